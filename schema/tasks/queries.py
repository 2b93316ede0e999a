"""Listing running tasks, and stopping one."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import tasks
from schema.context import Info
from schema.tasks.types import Task


@strawberry.type
class TaskQueries:
    @strawberry.field(description="Running tasks: all of them for administrators, one's own "
                                  "for everyone else.")
    async def tasks(self, info: Info) -> list[Task]:
        return [Task.from_info(t) for t in await tasks.list_tasks(info.context)]


@strawberry.input(description="Which task.")
class StopTaskInput:
    task_id: strawberry.ID = strawberry.field(description="The task's id.")


@strawberry.type(description="The task that was told to stop.")
class StopTaskPayload:
    task: Task = strawberry.field(description="It ends within a second, its stream saying "
                                              "it was stopped.")


@strawberry.type
class TaskMutations:
    @strawberry.mutation(description="Stop a running task (its owner or an administrator); "
                                     "its upstream request is closed at once.",
                         metadata={"writes": False})
    async def stop_task(
        self, info: Info,
        input: Annotated[StopTaskInput, strawberry.argument(description="The task.")],
    ) -> StopTaskPayload:
        return StopTaskPayload(task=Task.from_info(await tasks.stop_task(info.context,
                                                                         str(input.task_id))))
