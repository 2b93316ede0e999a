"""Request bodies of the OpenAI routes: the fields Parley reads are checked, the rest is
kept and sent on."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ChatCompletionForm(_Open):
    model: str
    messages: list[dict[str, Any]]
    stream: bool | None = None


class EmbeddingsForm(_Open):
    model: str
    input: str | list[str] | list[int] | list[list[int]]


class ConnectionsForm(BaseModel):
    ENABLE_OPENAI_API: bool | None = None
    OPENAI_API_BASE_URLS: list[str] | None = None
    OPENAI_API_KEYS: list[str] | None = None
    OPENAI_API_CONFIGS: dict[str, Any] | None = None


def chat_body(form: BaseModel) -> dict[str, Any]:
    """The body to send on: usage options only where they mean something (a stream)."""
    body = form.model_dump(exclude_unset=True)
    if not getattr(form, "stream", None):
        body.pop("stream_options", None)
    return body
