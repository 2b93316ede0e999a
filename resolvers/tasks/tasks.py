"""Listing and stopping tasks, on this instance and on the others sharing its pub/sub."""

from __future__ import annotations

from resolvers.context import Context
from resolvers.errors import NotFound
from resolvers.permissions import require_verified
from resolvers.tasks import control as task_control
from resolvers.tasks.registry import COMPLETION, PROXY, Stopped, TaskInfo, TaskRegistry

__all__ = ["COMPLETION", "PROXY", "Stopped", "TaskInfo", "TaskRegistry", "get_task",
           "list_tasks", "stop_task"]


def _registry(ctx: Context) -> TaskRegistry:
    return ctx.services.tasks


async def list_tasks(ctx: Context, *, chat_id: str | None = None) -> list[TaskInfo]:
    """Administrators see every task, on every instance; others only their own."""
    viewer = await require_verified(ctx)
    tasks = _registry(ctx).all()
    if viewer.role != "admin":
        tasks = [t for t in tasks if t.user_id == viewer.id]
    local = {t.id for t in tasks}
    tasks += [t for t in await task_control.ask(ctx.services, viewer, "list")
              if t.id not in local]
    if chat_id is not None:
        tasks = [t for t in tasks if t.chat_id == chat_id]
    return sorted(tasks, key=lambda t: t.started_at)


async def get_task(ctx: Context, task_id: str) -> TaskInfo:
    """The task's owner or an administrator, wherever it runs; anyone else gets
    NOT_FOUND."""
    viewer = await require_verified(ctx)
    task = _registry(ctx).get(task_id)
    if task is None:
        found = await task_control.ask(ctx.services, viewer, "get", task_id)
        task = found[0] if found else None
    if task is None or (viewer.role != "admin" and task.user_id != viewer.id):
        raise NotFound("No such task is running.", reason="task_not_found")
    return task


async def stop_task(ctx: Context, task_id: str) -> TaskInfo:
    """Stop a running task (its owner or an administrator), wherever it runs: its
    upstream request closes at once and its stream ends saying it was stopped."""
    viewer = await require_verified(ctx)
    task = _registry(ctx).get(task_id)
    if task is not None and (viewer.role == "admin" or task.user_id == viewer.id):
        _registry(ctx).stop(task.id)
        return task
    if task is None:
        found = await task_control.ask(ctx.services, viewer, "stop", task_id)
        if found:
            found[0].stopping = True
            return found[0]
    raise NotFound("No such task is running.", reason="task_not_found")
