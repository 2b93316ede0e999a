"""Pipeline runs whose instance died (its lease went stale: resolvers/tasks/leases.py)
end `failed`, saying so, with the step that was under way closed; their followers get
the run's `ended` event as from any run."""

from __future__ import annotations

import logging
from typing import Any

from data.pubsub import pipeline_run_channel
from data.repos.run_leases import PIPELINE_RUNS, RunLeaseRepo
from resolvers.context import Context, Services
from resolvers.pipelines.runner import FAILED, now_ms
from resolvers.tasks.leases import cutoff

log = logging.getLogger("parley.pipelines")

INSTANCE_GONE = "The instance running it stopped."


def closed_steps(steps: list[dict[str, Any]] | None, at: int) -> list[dict[str, Any]]:
    """The records with the one under way ended now, failed for the same reason."""
    records = [dict(record) for record in steps or [] if isinstance(record, dict)]
    if records and records[-1].get("ended_at") is None:
        records[-1].update(ended_at=at, error=INSTANCE_GONE)
    return records


async def fail_orphaned_runs(services: Services) -> None:
    """Sweeper: end every orphaned run `failed` (each by one instance: the UPDATE is
    conditional on the run still being orphaned)."""
    held = services.leases.held.get(PIPELINE_RUNS, {})
    before = cutoff(services)
    ctx, ended = Context(services), []
    async with ctx.unit_of_work():  # a read first: on SQLite a write takes the lock
        # Held here means renewed just before: only a clock jump could make it look stale.
        orphans = [(row.id, row.steps) for row in
                   await RunLeaseRepo(ctx.session).orphaned(PIPELINE_RUNS, before)
                   if row.id not in held]
    if not orphans:
        return
    async with ctx.unit_of_work(write=True):
        repo = RunLeaseRepo(ctx.session)
        for run_id, steps in orphans:
            now = now_ms()
            if await repo.take(PIPELINE_RUNS, run_id, before, status=FAILED,
                               error=INSTANCE_GONE, ended_at=now,
                               steps=closed_steps(steps, now)):
                ended.append(run_id)
    for run_id in ended:
        log.warning("pipeline run %s: the instance running it stopped; marked failed",
                    run_id)
        try:
            await services.pubsub.publish(pipeline_run_channel(run_id), {
                "t": "ended", "status": FAILED, "error": INSTANCE_GONE})
        except Exception:  # followers miss it; the row holds the end
            log.warning("pipeline run %s: its end was not published", run_id)
