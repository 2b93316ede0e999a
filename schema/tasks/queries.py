"""Listing running tasks, and stopping one or all of a chat's."""

from typing import Annotated

import strawberry

from resolvers.completions import chat_completions
from resolvers.errors import DomainError
from resolvers.tasks import tasks
from schema.chats.errors import ChatNotFound
from schema.context import Info
from schema.errors import expected
from schema.tasks.types import Task


@strawberry.type
class TaskQueries:
    @strawberry.field(description="Running tasks: all of them for administrators, one's own "
                                  "for everyone else.")
    async def tasks(
        self, info: Info,
        chat_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only the tasks answering in this chat.")] = None,
    ) -> list[Task]:
        found = await tasks.list_tasks(info.context,
                                       chat_id=str(chat_id) if chat_id else None)
        return [Task.from_info(t) for t in found]


@strawberry.input(description="Which task.")
class StopTaskInput:
    task_id: strawberry.ID = strawberry.field(description="The task's id.")


@strawberry.type(description="The task that was told to stop.")
class StopTaskPayload:
    task: Task = strawberry.field(description="It ends within a second, its stream saying "
                                              "it was stopped.")


@strawberry.input(description="Which chat.")
class StopChatTasksInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")


@strawberry.type(description="The tasks that were told to stop.")
class StopChatTasksPayload:
    tasks: list[Task] = strawberry.field(description="They end within a second, keeping "
                                                     "what had arrived.")


StopChatTasksResult = Annotated[
    StopChatTasksPayload | ChatNotFound,
    strawberry.union("StopChatTasksResult", description="The stopped tasks, or why none "
                                                        "were.")]


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

    @strawberry.mutation(description="Stop every answer being written in a chat (whoever "
                                     "may change its messages), wherever it runs; each keeps "
                                     "what had arrived. With none running, answers left "
                                     "unfinished (a server that died) are closed as stopped.")
    async def stop_chat_tasks(
        self, info: Info,
        input: Annotated[StopChatTasksInput, strawberry.argument(description="The chat.")],
    ) -> StopChatTasksResult:
        ctx = info.context
        try:
            stopped = await chat_completions.stop_chat(ctx, str(input.chat_id))
        except DomainError as error:
            return expected(ctx, error, ChatNotFound)
        return StopChatTasksPayload(tasks=[Task.from_info(t) for t in stopped])
