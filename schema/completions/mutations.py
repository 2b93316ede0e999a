"""Starting a completion that runs on its own, as a task others can follow."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import completion_tasks
from schema.completions.types import PromptCompletionInput
from schema.context import Info
from schema.tasks.types import Task


@strawberry.input(description="A completion to run in the background (not bound to a chat).")
class StartCompletionInput(PromptCompletionInput):
    pass


@strawberry.type(description="The completion's task; follow it with `chatCompletion`.")
class StartCompletionPayload:
    task: Task = strawberry.field(description="The running task.")


@strawberry.type
class CompletionMutations:
    @strawberry.mutation(description="Start answering a prompt in the background. Any number "
                                     "of subscribers, on any instance, can follow it with "
                                     "`chatCompletion(taskId:)`; `stopTask` stops it.",
                         metadata={"writes": False})
    async def start_completion(
        self, info: Info,
        input: Annotated[StartCompletionInput,
                         strawberry.argument(description="The model and the prompt.")],
    ) -> StartCompletionPayload:
        request = input.to_request()
        task = await completion_tasks.start_prompt_task(info.context, request, route="graphql")
        return StartCompletionPayload(task=Task.from_info(task))
