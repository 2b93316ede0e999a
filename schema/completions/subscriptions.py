"""Streamed completions over WebSockets (graphql-transport-ws or legacy graphql-ws)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers import completion_tasks, completions
from schema.completions.types import CompletionEvent, to_event
from schema.context import Info


@strawberry.input(description="A one-off prompt, answered without a chat.")
class PromptCompletionInput:
    model: str = strawberry.field(description="The model to answer (see `models`).")
    prompt: str = strawberry.field(description="What to ask.")
    system: str | None = strawberry.field(default=None,
                                          description="A system prompt to go first.")
    temperature: float | None = strawberry.field(default=None, description="Sampling "
                                                 "temperature, as the upstream takes it.")
    max_tokens: int | None = strawberry.field(default=None,
                                              description="At most this many tokens.")


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
        request = completions.PromptRequest(
            model=input.model, prompt=input.prompt, system=input.system,
            temperature=input.temperature, max_tokens=input.max_tokens)
        async for event in completions.stream_prompt_completion(info.context, request):
            yield to_event(event)


@strawberry.type
class CompletionFollowing:
    @strawberry.subscription(description="Follow a running completion task, on any instance "
                                         "(its owner or an administrator): everything "
                                         "generated so far as one CompletionDelta, then each "
                                         "new one, then CompletionDone or CompletionFailed. "
                                         "Unsubscribing does not stop the completion.")
    async def chat_completion(
        self, info: Info,
        task_id: Annotated[strawberry.ID, strawberry.argument(
            description="The task, from startCompletion (or POST /api/tasks).")],
    ) -> AsyncGenerator[CompletionEvent, None]:
        async for event in completion_tasks.follow_completion(info.context, str(task_id)):
            yield to_event(event)
