"""Streamed completions over WebSockets (graphql-transport-ws or legacy graphql-ws)."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers.completions import chat_completions, completions
from resolvers.completions import tasks as completion_tasks
from resolvers.errors import Invalid
from schema.completions.types import CompletionEvent, PromptCompletionInput, to_event
from schema.context import Info


@strawberry.type
class CompletionSubscriptions:
    @strawberry.subscription(description="Answer a prompt without a chat: CompletionStarted, "
                                         "then CompletionDelta as the answer arrives, then "
                                         "CompletionDone (or CompletionFailed). Unsubscribing "
                                         "stops it.")
    async def prompt_completion(
        self, info: Info,
        input: Annotated[PromptCompletionInput,
                         strawberry.argument(description="The model and the prompt.")],
    ) -> AsyncGenerator[CompletionEvent, None]:
        request = input.to_request()
        async for event in completions.stream_prompt_completion(info.context, request):
            yield to_event(event)


@strawberry.type
class CompletionFollowing:
    @strawberry.subscription(description="Follow a running completion, by task or by chat, "
                                         "on any instance (its owner or an administrator): "
                                         "everything generated so far as one "
                                         "CompletionDelta, then each new one, then "
                                         "CompletionDone or CompletionFailed. Unsubscribing "
                                         "does not stop the completion.")
    async def chat_completion(
        self, info: Info,
        task_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="The task, from startChatCompletion, startCompletion or POST "
                        "/api/tasks.")] = None,
        chat_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Instead of taskId: the newest answer being written in this "
                        "chat.")] = None,
    ) -> AsyncGenerator[CompletionEvent, None]:
        if (task_id is None) == (chat_id is None):
            raise Invalid("Give taskId or chatId (one of them).", reason="invalid_argument")
        ctx = info.context
        events = (completion_tasks.follow_completion(ctx, str(task_id)) if task_id
                  else chat_completions.follow_chat(ctx, str(chat_id)))
        async for event in events:
            yield to_event(event)
