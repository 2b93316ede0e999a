"""OpenAI's shapes: model entries (with Open WebUI's additions on `/openai/models`), and
chat-completion chunks and answers built from ChatChunks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from resolvers.models.models import AvailableModel


def connection_entry(model: AvailableModel) -> dict[str, Any]:
    """The upstream's entry as Open WebUI keeps it per connection (its `openai` object):
    the connection's prefix on the id, its tags, and its connection type."""
    entry = model.entry
    out = dict(entry.info, id=entry.id, connection_type=entry.connection_type)
    if entry.tags is not None:
        out["tags"] = list(entry.tags)
    return out


def model_entry(model: AvailableModel) -> dict[str, Any]:
    """Open WebUI's merged entry: the upstream's fields, its own entry, and where it is."""
    kept = connection_entry(model)
    return dict(kept, id=model.id, name=model.name, owned_by="openai", openai=kept,
                provider=kept.get("provider", ""), urlIdx=model.entry.urls[0])


def plain_model(model: AvailableModel) -> dict[str, Any]:
    """OpenAI's own model object."""
    return {"id": model.id, "object": "model", "created": model.entry.created,
            "owned_by": model.entry.info.get("owned_by", "openai")
            if model.entry.kind == "openai" else "ollama"}


def model_list(models: Iterable[AvailableModel]) -> dict[str, Any]:
    return {"object": "list", "data": [plain_model(m) for m in models]}


class ChunkWriter:
    """Turns ChatChunks into `chat.completion.chunk` events sharing one id; the first
    carries the assistant role, the last the finish reason and usage. `extra` fields are
    added to every chunk (e.g. Open WebUI's `chat_id`)."""

    def __init__(self, model: str, completion_id: str,
                 extra: dict[str, Any] | None = None):
        self.model, self.id = model, completion_id
        self.created = int(time.time())
        self.started = False
        self.extra = extra or {}

    def event(self, delta: dict[str, Any], finish: str | None = None,
              usage: dict[str, Any] | None = None) -> bytes:
        if not self.started:
            delta = {"role": "assistant", **delta}
            self.started = True
        chunk: dict[str, Any] = {
            "id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                              "finish_reason": finish}], **self.extra}
        if usage is not None:
            chunk["usage"] = usage
        return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"

    def chunk(self, piece) -> bytes:
        delta: dict[str, Any] = {}
        if piece.content:
            delta["content"] = piece.content
        if piece.reasoning:
            delta["reasoning_content"] = piece.reasoning
        if piece.tool_calls:
            delta["tool_calls"] = [dict(c) for c in piece.tool_calls]
        usage = usage_of(piece.usage) if piece.usage is not None else None
        if not delta and piece.finish_reason is None and usage is None:
            return b""
        return self.event(delta, piece.finish_reason, usage)


def usage_of(usage) -> dict[str, Any]:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens, **dict(usage.extra)}


DONE = b"data: [DONE]\n\n"


def completion(model: str, completion_id: str, result) -> dict[str, Any]:
    """A whole `chat.completion` answer from a CompletionResult."""
    message: dict[str, Any] = {"role": "assistant", "content": result.content}
    if result.reasoning:
        message["reasoning_content"] = result.reasoning
    if result.tool_calls:
        message["tool_calls"] = [dict(c) for c in result.tool_calls]
    out: dict[str, Any] = {
        "id": completion_id, "object": "chat.completion", "created": int(time.time()),
        "model": model, "choices": [{"index": 0, "message": message, "logprobs": None,
                                     "finish_reason": result.finish_reason or "stop"}]}
    if result.usage is not None:
        out["usage"] = usage_of(result.usage)
    return out
