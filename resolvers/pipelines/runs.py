"""Running pipelines and reading their runs. A run is a task (kind `pipeline`, stoppable
through the task routes) and a `parley_pipeline_run` row; whoever may read a pipeline
may run it, with their own access to what it uses (checked before it starts)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from data.pubsub import pipeline_run_channel
from data.repos.pipelines import PipelineRepo, PipelineRunRepo
from data.tables import PipelineRunRow
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.permissions import require_verified
from resolvers.pipelines.access import may, usable_problems
from resolvers.pipelines.errors import PipelineAccessDenied
from resolvers.pipelines.pipelines import readable_row
from resolvers.pipelines.runner import RUNNING, Runner, now_ms
from resolvers.tasks.registry import PIPELINE, prepare

MAX_INPUT = 1_000_000
PAGE_LIMIT = 100
_runners: dict[str, Runner] = {}  # run id -> its runner, while it runs in this process


@dataclass(frozen=True)
class RunPage:
    runs: list[PipelineRunRow]
    total: int


def run_not_found(run_id: str) -> NotFound:
    return NotFound(f"No pipeline run {run_id!r} that you may see.", reason="run_not_found")


async def execute_pipeline(ctx: Context, pipeline_id: str, *, given: str, route: str
                           ) -> PipelineRunRow:
    """Whoever may read the pipeline, if they may use everything it names (403 listing
    what not). Stores the run and starts it once the unit of work commits; answers at
    once (see `wait_for_run`)."""
    viewer, pipeline = await readable_row(ctx, pipeline_id)
    if not isinstance(given, str) or len(given) > MAX_INPUT:
        raise Invalid(f"The input is text of at most {MAX_INPUT} characters.",
                      reason="invalid_input", field="input")
    steps = list(pipeline.definition["steps"])
    problems = await usable_problems(ctx, viewer, steps)
    if problems:
        raise PipelineAccessDenied(problems)
    task = prepare(kind=PIPELINE, user_id=viewer.id, model=f"pipeline:{pipeline.id}",
                   route=route)
    row = PipelineRunRow(id=str(uuid.uuid4()), pipeline_id=pipeline.id,
                         pipeline_version=pipeline.version, user_id=viewer.id,
                         task_id=task.id, status=RUNNING, input=given, output=None,
                         error=None, definition=pipeline.definition, steps=[],
                         started_at=now_ms(), ended_at=None,
                         lease_owner=ctx.services.leases.instance_id, heartbeat_at=now_ms())
    await PipelineRunRepo(ctx.session).add(row)
    runner = Runner(ctx.services, ctx.credentials, row.id, steps, given, task)

    async def start() -> None:
        _runners[row.id] = runner
        runner.start()
        ctx.services.spawn(_forget(row.id, runner))
    ctx.after_commit(start)
    return row


async def _forget(run_id: str, runner: Runner) -> None:
    await runner.done.wait()
    _runners.pop(run_id, None)


async def wait_for_run(run_id: str) -> None:
    """Until the run has ended (a run started by this instance; read it after)."""
    runner = _runners.get(run_id)
    if runner is not None:
        await asyncio.shield(runner.done.wait())


async def get_run(ctx: Context, run_id: str, *, pipeline_id: str | None = None
                  ) -> PipelineRunRow:
    """Who started it, and whoever may change its pipeline; NOT_FOUND for anyone else."""
    viewer = await require_verified(ctx)
    row = await PipelineRunRepo(ctx.session).get(run_id)
    if row is None or (pipeline_id is not None and row.pipeline_id != pipeline_id):
        raise run_not_found(run_id)
    if row.user_id != viewer.id:
        pipeline = await PipelineRepo(ctx.session).get(row.pipeline_id)
        if pipeline is None or not await may(ctx, viewer, pipeline, "write"):
            raise run_not_found(run_id)
    return row


async def list_runs(ctx: Context, pipeline_id: str, *, offset: int = 0,
                    limit: int = PAGE_LIMIT) -> RunPage:
    """Newest first: the pipeline's writers see every run, other readers their own."""
    viewer, pipeline = await readable_row(ctx, pipeline_id)
    if isinstance(limit, bool) or not 1 <= limit <= PAGE_LIMIT or offset < 0:
        raise Invalid(f"A page holds 1 to {PAGE_LIMIT} runs.", reason="invalid_page")
    everyone = await may(ctx, viewer, pipeline, "write")
    rows, total = await PipelineRunRepo(ctx.session).for_pipeline(
        pipeline_id, user_id=None if everyone else viewer.id, offset=offset, limit=limit)
    return RunPage(list(rows), total)


async def follow_run(ctx: Context, run_id: str) -> AsyncIterator[dict[str, Any]]:
    """Whoever may read the run: `{"t": "run", "run": row}` now, then the runner's
    events (resolvers/pipelines/runner.py) until it ends. Subscribes before reading, so
    nothing after the first event is missed; holds no session while following."""
    async with ctx.unit_of_work():
        await get_run(ctx, run_id)
    async with ctx.services.pubsub.subscribe(pipeline_run_channel(run_id)) as events:
        async with ctx.unit_of_work():
            row = await get_run(ctx, run_id)
            ctx.session.expunge(row)  # readable after the unit of work ends
        yield {"t": "run", "run": row}
        if row.status != RUNNING:
            return
        async for event in events:
            yield event
            if event.get("t") == "ended":
                return
