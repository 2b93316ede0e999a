"""OpenAI's wire format read as ChatChunks: streamed `chat.completion.chunk` events and
the whole `chat.completion` answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from data.llm.base import ChatChunk, Usage


def _usage(value: Any) -> Usage | None:
    if not isinstance(value, Mapping):
        return None
    prompt, completion = value.get("prompt_tokens"), value.get("completion_tokens")
    return Usage(prompt_tokens=prompt if isinstance(prompt, int) else 0,
                 completion_tokens=completion if isinstance(completion, int) else 0)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def read_event(value: Mapping[str, Any]) -> ChatChunk:
    """One streamed `chat.completion.chunk` (only the first choice is followed)."""
    choices = value.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else {}
    delta = choice.get("delta") if isinstance(choice, Mapping) else None
    delta = delta if isinstance(delta, Mapping) else {}
    calls = delta.get("tool_calls")
    return ChatChunk(
        content=_text(delta.get("content")),
        reasoning=_text(delta.get("reasoning_content") or delta.get("reasoning")),
        tool_calls=tuple(c for c in calls if isinstance(c, Mapping))
        if isinstance(calls, list) else (),
        finish_reason=choice.get("finish_reason") if isinstance(choice, Mapping) else None,
        usage=_usage(value.get("usage")))


def read_completion(value: Mapping[str, Any]) -> ChatChunk:
    """A whole `chat.completion` answer as one ChatChunk."""
    choices = value.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else {}
    message = choice.get("message") if isinstance(choice, Mapping) else None
    message = message if isinstance(message, Mapping) else {}
    calls = message.get("tool_calls")
    tool_calls = tuple(dict(c, index=i) for i, c in enumerate(calls)
                       if isinstance(c, Mapping)) if isinstance(calls, list) else ()
    return ChatChunk(
        content=_text(message.get("content")),
        reasoning=_text(message.get("reasoning_content") or message.get("reasoning")),
        tool_calls=tool_calls, finish_reason=choice.get("finish_reason") or "stop",
        usage=_usage(value.get("usage")))
