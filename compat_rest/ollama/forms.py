"""Request bodies of the Ollama routes: the fields Parley reads are checked, every other
field is kept and sent on (newer Ollama options keep working)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class GenerateForm(_Open):
    model: str
    prompt: str | None = None
    stream: bool = True


class ChatMessage(_Open):
    role: str
    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    images: list[str] | None = None

    @model_validator(mode="after")
    def says_something(self) -> ChatMessage:
        if self.content is None and not self.tool_calls:
            raise ValueError("a message needs content or tool_calls")
        return self


class ChatForm(_Open):
    model: str
    messages: list[ChatMessage]
    stream: bool = True


class EmbedForm(_Open):
    model: str
    input: str | list[str]


class EmbeddingsForm(_Open):
    model: str
    prompt: str


class ShowForm(_Open):
    model: str | None = None
    name: str | None = None  # the field's older name, still sent by older clients

    @model_validator(mode="after")
    def names_a_model(self) -> ShowForm:
        if not (self.model or self.name):
            raise ValueError("a model is required")
        return self


class CompletionForm(_Open):
    """OpenAI's legacy completions, as Ollama's `/v1/completions` takes them."""

    model: str
    prompt: str | list[str]
    stream: bool | None = None


class ConnectionsForm(BaseModel):
    ENABLE_OLLAMA_API: bool | None = None
    OLLAMA_BASE_URLS: list[str] | None = None
    OLLAMA_API_CONFIGS: dict[str, Any] | None = None
