"""Evaluation runs whose instance stopped or died (the lease released at shutdown, or
gone stale: resolvers/tasks/leases.py) are taken over by a live instance and resumed
from what was already scored, as their owner, EVALUATION_CONCURRENCY at a time. Each is
taken by one instance: the take is an UPDATE conditional on the run still being orphaned,
and it gives the run a new task id, so the instance that lost it (had it only stalled)
writes no ending over the new run's."""

from __future__ import annotations

import logging

from data.repos.evaluations import EvaluationRepo
from data.repos.run_leases import EVALUATIONS, RunLeaseRepo
from data.tables.base import now_s
from resolvers.context import Context, Credentials, Services
from resolvers.evaluations.runner import Runner, live_task, run_route
from resolvers.tasks.leases import cutoff, now_ms
from resolvers.tasks.registry import EVALUATION, prepare

log = logging.getLogger("parley.evaluations")


async def resume_orphaned_evaluations(services: Services) -> None:
    """Sweeper: take over and resume every orphaned evaluation run this instance wins."""
    ctx = Context(services)
    async with ctx.unit_of_work():
        orphans = [row.id for row in
                   await RunLeaseRepo(ctx.session).orphaned(EVALUATIONS, cutoff(services))]
    for evaluation_id in orphans:
        if await take_over(services, evaluation_id):
            log.warning("evaluation %s: its run was cut short elsewhere; resumed here",
                        evaluation_id)


async def take_over(services: Services, evaluation_id: str) -> bool:
    """Take the evaluation's orphaned run and resume it here; False when it is not
    orphaned (any more), gone, or another instance took it first."""
    if live_task(services, evaluation_id) is not None:
        return False
    ctx = Context(services)
    async with ctx.unit_of_work(write=True):
        row = await EvaluationRepo(ctx.session).get(evaluation_id)
        if row is None:
            return False
        task = prepare(kind=EVALUATION, user_id=row.user_id, model=",".join(row.models),
                       route=run_route(row.id))
        taken = await RunLeaseRepo(ctx.session).take(
            EVALUATIONS, row.id, cutoff(services), task_id=task.id, error=None,
            lease_owner=services.leases.instance_id, heartbeat_at=now_ms(),
            updated_at=now_s())
        if not taken:
            return False
        # As a run started again would: what failed upstream is asked again.
        await EvaluationRepo(ctx.session).clear_results(row.id, failed_only=True)
        owner = row.user_id
    runner = Runner(services, Credentials(), evaluation_id, acting_for=owner)
    runner.task = task
    task.interrupt = runner.interrupt
    services.tasks.register(task)
    runner.begin()
    services.spawn(runner.run())
    return True
