"""What a streamed completion sends: it started, pieces of the answer, then how it ended."""

from typing import Annotated

import strawberry

from resolvers.completions import completions
from resolvers.completions.completions import PromptRequest


@strawberry.type(description="The completion started; stop it with `stopTask(taskId)`.")
class CompletionStarted:
    task_id: strawberry.ID = strawberry.field(description="The running task.")
    model: str = strawberry.field(description="The model answering.")


@strawberry.type(description="The next piece of the answer.")
class CompletionDelta:
    task_id: strawberry.ID = strawberry.field(description="The running task.")
    content: str = strawberry.field(description="Answer text to append.")
    reasoning: str = strawberry.field(description="Reasoning text to append (thinking "
                                                  "models); often empty.")


@strawberry.type(description="Tokens the upstream counted.")
class TokenUsage:
    prompt_tokens: int = strawberry.field(description="Tokens read.")
    completion_tokens: int = strawberry.field(description="Tokens written.")
    total_tokens: int = strawberry.field(description="Both together.")


@strawberry.type(description="The answer is complete: all of it, and how it ended.")
class CompletionDone:
    task_id: strawberry.ID = strawberry.field(description="The finished task.")
    model: str = strawberry.field(description="The model that answered.")
    content: str = strawberry.field(description="The whole answer.")
    reasoning: str = strawberry.field(description="The whole reasoning, if any.")
    finish_reason: str | None = strawberry.field(
        description="Why the model stopped: `stop`, `length`, `tool_calls`, ...")
    usage: TokenUsage | None = strawberry.field(description="Token counts, when known.")
    chat_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an answer in a chat: the chat, where it is kept.")
    message_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an answer in a chat: its message.")


@strawberry.type(description="The completion ended early, or never began. What had arrived "
                             "is kept in `partialContent`.")
class CompletionFailed:
    task_id: strawberry.ID | None = strawberry.field(
        description="The task, if it had started.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: str = strawberry.field(description="A stable code: NOT_FOUND, FORBIDDEN, "
                                             "BAD_USER_INPUT, UPSTREAM_FAILED, STOPPED, ...")
    reason: str = strawberry.field(description="The exact cause, e.g. `stopped`, "
                                               "`upstream_timeout`, `model_access_denied`.")
    partial_content: str = strawberry.field(description="The answer up to the failure.")
    partial_reasoning: str = strawberry.field(description="The reasoning up to the failure.")
    chat_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an answer in a chat: the chat, where the partial "
                                  "answer is kept.")
    message_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an answer in a chat: its message.")


CompletionEvent = Annotated[
    CompletionStarted | CompletionDelta | CompletionDone | CompletionFailed,
    strawberry.union("CompletionEvent", description="One event of a streamed completion.")]


def to_event(event) -> CompletionEvent:
    if isinstance(event, completions.Started):
        return CompletionStarted(task_id=strawberry.ID(event.task_id), model=event.model)
    if isinstance(event, completions.Delta):
        return CompletionDelta(task_id=strawberry.ID(event.task_id), content=event.content,
                               reasoning=event.reasoning)
    if isinstance(event, completions.Done):
        result, usage = event.result, event.result.usage
        return CompletionDone(
            task_id=strawberry.ID(event.task_id), model=event.model, content=result.content,
            reasoning=result.reasoning, finish_reason=result.finish_reason,
            usage=TokenUsage(prompt_tokens=usage.prompt_tokens,
                             completion_tokens=usage.completion_tokens,
                             total_tokens=usage.total_tokens) if usage else None,
            **_place(event))
    return CompletionFailed(
        task_id=strawberry.ID(event.task_id) if event.task_id else None,
        message=event.error.message, code=event.error.code, reason=event.error.reason,
        partial_content=event.partial.content, partial_reasoning=event.partial.reasoning,
        **_place(event))


def _place(event) -> dict[str, strawberry.ID | None]:
    return {"chat_id": strawberry.ID(event.chat_id) if event.chat_id else None,
            "message_id": strawberry.ID(event.message_id) if event.message_id else None}


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

    def to_request(self) -> PromptRequest:
        return PromptRequest(model=self.model, prompt=self.prompt, system=self.system,
                             temperature=self.temperature, max_tokens=self.max_tokens)
