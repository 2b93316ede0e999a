"""A pipe model's answer read as ChatChunks, so a pipe answers wherever an upstream model
does: in chats (chat-bound and async modes), GraphQL's startChatCompletion and its
subscriptions. The call runs in a function worker (data/functions/pool.py); the
completion's task stops it by killing that worker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from data.functions.pool import CallStop, FunctionFailed
from data.llm.base import ChatChunk
from resolvers.completions.completions import CompletionResult
from resolvers.completions.relay import stopped
from resolvers.context import Services
from resolvers.functions.sandbox import failed_call
from resolvers.tasks.registry import COMPLETION, TaskInfo, prepare


def piece_chunk(piece: Any) -> ChatChunk | None:
    """One thing a pipe yielded (or returned) as a chunk: text as it is; an OpenAI chunk
    or whole completion by its first choice (as Open WebUI reads a pipe's dicts); any
    other value as its JSON text."""
    if piece is None:
        return None
    if isinstance(piece, str):
        return ChatChunk(content=piece)
    if isinstance(piece, Mapping) and isinstance(piece.get("choices"), list):
        choice = piece["choices"][0] if piece["choices"] else {}
        choice = choice if isinstance(choice, Mapping) else {}
        said = choice.get("delta") or choice.get("message") or {}
        said = said if isinstance(said, Mapping) else {}
        content, reasoning = said.get("content"), said.get("reasoning_content")
        return ChatChunk(content=content if isinstance(content, str) else "",
                         reasoning=reasoning if isinstance(reasoning, str) else "",
                         finish_reason=choice.get("finish_reason")
                         if isinstance(choice.get("finish_reason"), str) else None)
    return ChatChunk(content=json.dumps(piece))


class PipeStream:
    """A pipe's answer with ChatStream's interface (open, chunks, drain, result,
    aclose). Registered as a completion task whose interrupt kills the worker."""

    def __init__(self, services: Services, request: dict[str, Any], task: TaskInfo):
        self.services, self.request, self.task = services, request, task
        self.result = CompletionResult()
        self.sources: list[dict[str, Any]] = []
        self._stop = CallStop()
        task.interrupt = self._stop.stop
        self._messages: AsyncIterator[dict[str, Any]] | None = None
        self._first: dict[str, Any] | None = None

    @property
    def task_id(self) -> str:
        return self.task.id

    @property
    def model(self) -> str:
        return self.task.model

    def interrupt(self, why: str) -> None:
        self._stop.stop(why)

    def _failed(self, failure: FunctionFailed) -> Exception:
        if failure.kind == "stopped":
            return stopped(self._stop.why or "stopped")
        return failed_call(failure, self.request["id"])

    async def open(self) -> PipeStream:
        """Start the call and wait for its first message: a pipe that fails at once is
        a plain error (a DomainError)."""
        self._messages = self.services.functions.call(self.request, self._stop)
        try:
            self._first = await anext(self._messages, None)
        except FunctionFailed as failure:
            await self.aclose()
            raise self._failed(failure) from None
        return self

    async def chunks(self) -> AsyncIterator[ChatChunk]:
        """Each piece the pipe yields as it comes; its returned value, if any, last."""
        assert self._messages is not None
        message = self._first
        try:
            while message is not None:
                value = message["piece"] if "piece" in message else message.get("result")
                chunk = piece_chunk(value)
                if chunk is not None:
                    self.result.add(chunk)
                    yield chunk
                message = await anext(self._messages, None)
        except FunctionFailed as failure:
            raise self._failed(failure) from None
        finally:
            await self.aclose()

    async def drain(self) -> CompletionResult:
        async for _ in self.chunks():
            pass
        return self.result

    async def aclose(self) -> None:
        self.services.tasks.discard(self.task.id)
        messages, self._messages = self._messages, None
        if messages is not None:
            await messages.aclose()  # type: ignore[attr-defined] - kills a busy worker


@dataclass(frozen=True)
class PipePlan:
    """StreamPlan's counterpart for a pipe model: the worker's request, ready to send."""

    user_id: str
    model: str
    request: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)
    filters: Any = None  # resolvers.functions.chain.FilterChain around the answer

    def start(self, services: Services, *, route: str, task: TaskInfo | None = None,
              chat_id: str | None = None) -> PipeStream:
        task = task or prepare(kind=COMPLETION, user_id=self.user_id, model=self.model,
                               route=route, chat_id=chat_id)
        services.tasks.register(task)
        return PipeStream(services, self.request, task)
