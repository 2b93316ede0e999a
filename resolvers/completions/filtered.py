"""Filters at work on answers Parley reads itself: `stream` on each piece as it streams
(Open WebUI hands Filter.stream each parsed OpenAI chunk and sends what it returns, or
nothing when it returns nothing), and `outlet` on a chat-bound answer once it is complete,
before it is kept (Open WebUI's backend runs outlet on answers that have a chat and a
message id, and keeps the edited message)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from data.llm.base import ChatChunk
from resolvers.completions.completions import CompletionResult
from resolvers.completions.pipes import piece_chunk
from resolvers.completions.tasks import AnswerSink, Transcript
from resolvers.context import Services
from resolvers.errors import DomainError
from resolvers.functions.chain import FilterChain

log = logging.getLogger("parley.functions")


def chunk_event(model: str, answer_id: str, chunk: ChatChunk) -> dict[str, Any]:
    """A piece in the shape Filter.stream receives: an OpenAI chat.completion.chunk."""
    delta = {k: v for k, v in (("content", chunk.content),
                               ("reasoning_content", chunk.reasoning)) if v}
    if chunk.tool_calls:
        delta["tool_calls"] = [dict(c) for c in chunk.tool_calls]
    return {"id": answer_id, "object": "chat.completion.chunk", "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": chunk.finish_reason}]}


class FilteredStream:
    """A ChatStream or PipeStream whose pieces pass through the filters' `stream` hook;
    everything else is the wrapped stream's. `result` holds the pieces as filtered."""

    def __init__(self, inner: Any, chain: FilterChain, services: Services):
        self.inner, self.chain, self.services = inner, chain, services
        self.result = CompletionResult()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def open(self) -> FilteredStream:
        await self.inner.open()
        return self

    async def chunks(self) -> AsyncIterator[ChatChunk]:
        async for chunk in self.inner.chunks():
            event = chunk_event(self.inner.model, self.inner.task_id, chunk)
            changed = await self.chain.run(self.services, "stream", event)
            kept = piece_chunk(changed) or ChatChunk()
            # How the answer ended and what it cost are the upstream's, not a filter's.
            kept = dataclasses.replace(kept, usage=chunk.usage,
                                       finish_reason=kept.finish_reason or chunk.finish_reason)
            self.result.add(kept)
            yield kept

    async def drain(self) -> CompletionResult:
        async for _ in self.chunks():
            pass
        return self.result


def filtered(plan: Any, stream: Any, services: Services) -> Any:
    """`stream` (started from `plan`) through its filters' `stream` hook, if any has one."""
    chain = plan.filters
    if isinstance(chain, FilterChain) and chain.hooks("stream"):
        return FilteredStream(stream, chain, services)
    return stream


class OutletSink:
    """Keeps a chat-bound answer through `writer`, after the filters' `outlet` has seen
    the conversation with the complete answer; an answer that failed or was stopped is
    kept as it is. A failing outlet keeps the answer unedited (logged)."""

    def __init__(self, writer: AnswerSink, chain: FilterChain, services: Services, *,
                 model: str, chat_id: str, answer_id: str, messages: Sequence[Any]):
        self.writer, self.chain, self.services = writer, chain, services
        self.model, self.chat_id, self.answer_id = model, chat_id, answer_id
        self.messages = [dict(m) for m in messages if isinstance(m, dict)]

    def progress(self, transcript: Transcript) -> None:
        self.writer.progress(transcript)

    async def finish(self, transcript: Transcript, terminal: dict[str, Any]) -> None:
        if terminal["t"] == "done":
            try:
                transcript.content = await self._outlet(transcript.content)
            except DomainError as error:
                log.warning("outlet filters on answer %s failed: %s", self.answer_id,
                            error.message)
        await self.writer.finish(transcript, terminal)

    async def _outlet(self, content: str) -> str:
        answer = {"id": self.answer_id, "role": "assistant", "content": content}
        body = {"model": self.model, "messages": [*self.messages, answer],
                "chat_id": self.chat_id, "id": self.answer_id}
        changed = await self.chain.run(self.services, "outlet", body)
        said = changed.get("messages") if isinstance(changed, dict) else None
        said = [m for m in said if isinstance(m, dict)] if isinstance(said, list) else []
        mine = [m for m in said if m.get("id") == self.answer_id] or \
            [m for m in said if m.get("role") == "assistant"][-1:]
        edited = mine[0].get("content") if mine else None
        return edited if isinstance(edited, str) else content
