"""Running completions and proxied requests, as tasks that can be listed and stopped.

The registry is in-process: a task runs where its upstream request was opened. Each
task carries the function that interrupts it, which closes its upstream request at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from resolvers.context import Context
from resolvers.errors import DomainError, NotFound
from resolvers.permissions import require_verified

PROXY, COMPLETION = "proxy", "completion"


class Stopped(DomainError):
    """A task ended early on purpose: stopped by someone, or by the server shutting down."""

    code, status = "STOPPED", 499


@dataclass
class TaskInfo:
    id: str
    kind: str  # PROXY: a relayed request; COMPLETION: a completion streamed by this server
    user_id: str
    model: str
    route: str  # where it came from, e.g. "/ollama/api/chat" or "graphql"
    started_at: float
    chat_id: str | None = None
    interrupt: Callable[[str], None] = field(repr=False, default=lambda why: None)
    stopping: bool = False


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[str, TaskInfo] = {}

    def add(self, *, kind: str, user_id: str, model: str, route: str,
            interrupt: Callable[[str], None], chat_id: str | None = None) -> TaskInfo:
        task = TaskInfo(id=str(uuid.uuid4()), kind=kind, user_id=user_id, model=model,
                        route=route, started_at=time.time(), chat_id=chat_id,
                        interrupt=interrupt)
        self._tasks[task.id] = task
        return task

    def discard(self, task_id: str) -> None:
        self._tasks.pop(task_id, None)

    def get(self, task_id: str) -> TaskInfo | None:
        return self._tasks.get(task_id)

    def all(self) -> list[TaskInfo]:
        return sorted(self._tasks.values(), key=lambda t: t.started_at)

    def stop(self, task_id: str, why: str = "stopped") -> bool:
        task = self._tasks.get(task_id)
        if task is None:
            return False
        task.stopping = True
        task.interrupt(why)
        return True

    def stop_all(self, why: str) -> None:
        for task in list(self._tasks.values()):
            self.stop(task.id, why)


def _registry(ctx: Context) -> TaskRegistry:
    return ctx.services.tasks


async def list_tasks(ctx: Context, *, chat_id: str | None = None) -> list[TaskInfo]:
    """Administrators see every task; others only their own."""
    viewer = await require_verified(ctx)
    tasks = _registry(ctx).all()
    if viewer.role != "admin":
        tasks = [t for t in tasks if t.user_id == viewer.id]
    if chat_id is not None:
        tasks = [t for t in tasks if t.chat_id == chat_id]
    return tasks


async def get_task(ctx: Context, task_id: str) -> TaskInfo:
    """The task's owner or an administrator; anyone else gets NOT_FOUND."""
    viewer = await require_verified(ctx)
    task = _registry(ctx).get(task_id)
    if task is None or (viewer.role != "admin" and task.user_id != viewer.id):
        raise NotFound("No such task is running.", reason="task_not_found")
    return task


async def stop_task(ctx: Context, task_id: str) -> TaskInfo:
    """Stop a running task (its owner or an administrator); its upstream request closes
    at once and its stream ends saying it was stopped."""
    task = await get_task(ctx, task_id)
    _registry(ctx).stop(task.id)
    return task
