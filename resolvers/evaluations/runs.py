"""Running an evaluation: every case on every model, a few at a time
(EVALUATION_CONCURRENCY), as a task that can be stopped like any other. Each scored
case is written as soon as it is scored, so a run cut short resumes where it was: asking
only what has no result yet (and what failed upstream). A stopped run resumes when run
again; one whose server shut down or died resumes on its own, on a live instance
(resolvers/evaluations/resume.py); a run that finished starts over. The run itself is
resolvers/evaluations/runner.py."""

from __future__ import annotations

from data.repos.evaluations import EvaluationRepo
from data.tables import EvaluationRow
from data.tables.base import now_s
from resolvers.context import Context, Services
from resolvers.errors import Conflict
from resolvers.evaluations.runner import Runner, live_task, run_route
from resolvers.evaluations.sets import get_evaluation
from resolvers.permissions import require_verified
from resolvers.tasks import control as task_control
from resolvers.tasks.leases import is_orphaned, now_ms
from resolvers.tasks.registry import EVALUATION, TaskInfo

__all__ = ["Runner", "delete_evaluation", "live_task", "run_route", "shown_status",
           "start_run", "stop_run"]


def shown_status(services: Services, row: EvaluationRow) -> str:
    """`interrupted`: marked running, but no instance runs it (its server stopped or
    died); a live instance resumes it within RUN_HEARTBEAT_INTERVAL."""
    if row.status == "running" and live_task(services, row.id) is None \
            and is_orphaned(services, row.heartbeat_at):
        return "interrupted"
    return row.status


async def start_run(ctx: Context, evaluation_id: str) -> tuple[EvaluationRow, TaskInfo]:
    """Its owner or an administrator: start (or resume) the run; answers at once. A run
    already going on is a Conflict. Runs as the caller, whose access is checked on
    every request to a model."""
    row = await get_evaluation(ctx, evaluation_id, for_update=True)
    services = ctx.services
    if live_task(services, row.id) is not None or (
            row.status == "running" and not is_orphaned(services, row.heartbeat_at)):
        raise Conflict("This evaluation is already running.", reason="evaluation_running")
    runner = Runner(services, ctx.credentials, row.id)
    # Checked and registered with no await between: two starts here cannot both pass.
    task = services.tasks.add(kind=EVALUATION, user_id=row.user_id,
                              model=",".join(row.models), route=run_route(row.id),
                              interrupt=runner.interrupt)
    runner.task = task
    services.spawn(runner.run())
    await EvaluationRepo(ctx.session).clear_results(row.id, failed_only=row.status != "done")
    now = now_s()
    row.status, row.task_id, row.error = "running", task.id, None
    row.run_started_at, row.run_ended_at, row.updated_at = now, None, now
    row.lease_owner, row.heartbeat_at = services.leases.instance_id, now_ms()
    await ctx.session.flush()

    async def committed() -> None:
        runner.begin()
    ctx.after_commit(committed)
    return row, task


async def stop_run(ctx: Context, evaluation_id: str) -> EvaluationRow:
    """Its owner or an administrator: stop the run going on, on whichever instance runs
    it; what was scored stays."""
    row = await get_evaluation(ctx, evaluation_id)
    task = live_task(ctx.services, row.id)
    if task is not None:
        ctx.services.tasks.stop(task.id)
        return row
    if row.status == "running" and row.task_id is not None and await task_control.ask(
            ctx.services, await require_verified(ctx), "stop", row.task_id):
        return row
    raise Conflict("This evaluation is not running.", reason="evaluation_not_running")


async def delete_evaluation(ctx: Context, evaluation_id: str) -> None:
    """Its owner or an administrator; a run going on is stopped first."""
    row = await get_evaluation(ctx, evaluation_id, for_update=True)
    task = live_task(ctx.services, row.id)
    if task is not None:
        ctx.services.tasks.stop(task.id)
    await EvaluationRepo(ctx.session).delete(row.id)


