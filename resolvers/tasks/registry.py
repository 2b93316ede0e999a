"""The tasks running in this process: completions and proxied requests. A task runs
where its upstream request was opened and carries the function that interrupts it,
which closes that request at once. (Other instances are reached through
resolvers/tasks/control.py.)"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from resolvers.errors import DomainError

PROXY, COMPLETION, FUNCTION, PIPELINE, EVALUATION = (
    "proxy", "completion", "function", "pipeline", "evaluation")


class Stopped(DomainError):
    """A task ended early on purpose: stopped by someone, or by the server shutting down."""

    code, status = "STOPPED", 499


@dataclass
class TaskInfo:
    id: str
    kind: str  # PROXY: a relayed request; COMPLETION: a completion streamed by this server;
    # FUNCTION: a function's call in a worker process; PIPELINE: a pipeline's run;
    # EVALUATION: an evaluation's run
    user_id: str
    model: str
    route: str  # where it came from, e.g. "/ollama/api/chat" or "graphql"
    started_at: float
    chat_id: str | None = None
    interrupt: Callable[[str], None] = field(repr=False, default=lambda why: None)
    stopping: bool = False


def prepare(*, kind: str, user_id: str, model: str, route: str,
            chat_id: str | None = None) -> TaskInfo:
    """A task with its id, not yet running: a chat-bound completion writes the id into
    its answer before the transaction commits, and registers the task only after."""
    return TaskInfo(id=str(uuid.uuid4()), kind=kind, user_id=user_id, model=model,
                    route=route, started_at=time.time(), chat_id=chat_id)


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[str, TaskInfo] = {}
        self.transcripts: dict[str, Any] = {}  # completion task id -> its Transcript
        self.listener: Any = None  # the control-channel listener (task_control.start)

    def add(self, *, kind: str, user_id: str, model: str, route: str,
            interrupt: Callable[[str], None], chat_id: str | None = None) -> TaskInfo:
        task = prepare(kind=kind, user_id=user_id, model=model, route=route, chat_id=chat_id)
        task.interrupt = interrupt
        return self.register(task)

    def register(self, task: TaskInfo) -> TaskInfo:
        """Run a task prepared earlier (see `prepare`)."""
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
