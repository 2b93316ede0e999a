"""The Task type: a completion or a relayed request running on this server."""

from datetime import datetime
from enum import Enum

import strawberry

from resolvers.tasks.registry import TaskInfo
from schema.scalars import timestamp


@strawberry.enum(description="What a task is doing.")
class TaskKind(Enum):
    PROXY = strawberry.enum_value("proxy", description="A request relayed to an upstream "
                                                       "(Ollama or OpenAI routes).")
    COMPLETION = strawberry.enum_value("completion", description="A completion this server "
                                                                 "streams itself.")
    FUNCTION = strawberry.enum_value("function", description="A function's call in a "
                                                             "worker process.")
    PIPELINE = strawberry.enum_value("pipeline", description="A pipeline's run.")
    EVALUATION = strawberry.enum_value("evaluation", description="An evaluation's run over "
                                                                 "its cases and models.")


@strawberry.type(description="Something running that can be stopped.")
class Task:
    id: strawberry.ID = strawberry.field(description="The task's id.")
    kind: TaskKind = strawberry.field(description="What it is doing.")
    model: str = strawberry.field(description="The model it uses.")
    route: str = strawberry.field(description="Where it came from: a REST path or `graphql`.")
    user_id: strawberry.ID = strawberry.field(description="Whose it is.")
    chat_id: strawberry.ID | None = strawberry.field(description="The chat it belongs to.")
    started_at: datetime = strawberry.field(description="When it started.")
    stopping: bool = strawberry.field(description="A stop was asked for.")

    @classmethod
    def from_info(cls, task: TaskInfo) -> "Task":
        return cls(id=strawberry.ID(task.id), kind=TaskKind(task.kind), model=task.model,
                   route=task.route, user_id=strawberry.ID(task.user_id),
                   chat_id=strawberry.ID(task.chat_id) if task.chat_id else None,
                   started_at=timestamp(int(task.started_at)), stopping=task.stopping)
