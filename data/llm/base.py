"""What every upstream client shares: the connections as configured, the errors an
upstream can cause, and the parsed pieces of a streamed answer."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

OLLAMA, OPENAI = "ollama", "openai"


@dataclass(frozen=True)
class Connection:
    """One configured upstream. `idx` is its place in the configured list (Open WebUI's
    `url_idx`); the per-connection options are Open WebUI's `api_configs` fields."""

    kind: str
    idx: int
    base_url: str
    key: str = ""
    enabled: bool = True
    prefix_id: str = ""
    model_ids: tuple[str, ...] = ()
    tags: tuple[Any, ...] | None = None
    connection_type: str = "local"
    provider: str = ""  # e.g. azure, llama.cpp, lmstudio: what the server is, if said
    auth_type: str = "bearer"
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How errors name this connection: kind and index, never its URL or key."""
        return f"{'Ollama' if self.kind == OLLAMA else 'OpenAI'} connection {self.idx}"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def upstream_id(self, model_id: str) -> str:
        """The id the upstream knows a model by: our id without this connection's prefix."""
        if self.prefix_id and model_id.startswith(self.prefix_id + "."):
            return model_id[len(self.prefix_id) + 1:]
        return model_id

    def request_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        headers.update({name: value for name, value in
                        ((str(k), str(v)) for k, v in self.headers.items())
                        if name.lower() not in _RESERVED_HEADERS
                        and _HEADER_NAME.fullmatch(name) and _HEADER_VALUE.fullmatch(value)})
        if self.key and self.auth_type in ("bearer", ""):
            headers["Authorization"] = f"Bearer {self.key}"
        return headers


# Set by us alone: a configured header must not change framing, encoding or the key.
_RESERVED_HEADERS = {"content-type", "content-length", "transfer-encoding", "host",
                     "accept-encoding", "connection"}
# A configured header that HTTP cannot carry (one that would split the request, say) is
# left out rather than failing every request to the connection.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")


def _config_for(configs: Any, idx: int, url: str) -> Mapping[str, Any]:
    if not isinstance(configs, Mapping):
        return {}
    found = configs.get(str(idx), configs.get(url))  # by index; legacy: by URL
    return found if isinstance(found, Mapping) else {}


def _connection(kind: str, idx: int, url: Any, key: Any, options: Mapping[str, Any]
                ) -> Connection | None:
    if not isinstance(url, str) or not url.strip():
        return None
    model_ids = options.get("model_ids")
    tags = options.get("tags")
    headers = options.get("headers")
    default_type = "local" if kind == OLLAMA else "external"
    return Connection(
        kind=kind, idx=idx, base_url=url.strip().rstrip("/"),
        key=str(options.get("key") or "") if kind == OLLAMA else str(key or ""),
        enabled=options.get("enable", True) is not False,
        prefix_id=str(options.get("prefix_id") or "").strip(),
        model_ids=tuple(str(m) for m in model_ids) if isinstance(model_ids, list) else (),
        tags=tuple(tags) if isinstance(tags, list) and tags else None,
        connection_type=str(options.get("connection_type") or default_type),
        provider=str(options.get("provider") or ""),
        auth_type=str(options.get("auth_type") or "bearer"),
        headers=dict(headers) if isinstance(headers, Mapping) else {},
    )


@dataclass(frozen=True)
class Connections:
    """Every configured connection of both kinds, as read from the `config` rows."""

    ollama_enabled: bool
    ollama: tuple[Connection, ...]
    openai_enabled: bool
    openai: tuple[Connection, ...]

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> Connections:
        ollama_urls = _list(values.get("ollama.base_urls"))
        ollama_configs = values.get("ollama.api_configs")
        openai_urls = _list(values.get("openai.api_base_urls"))
        openai_keys = _list(values.get("openai.api_keys"))
        openai_configs = values.get("openai.api_configs")
        ollama = [_connection(OLLAMA, i, url, "", _config_for(ollama_configs, i, str(url)))
                  for i, url in enumerate(ollama_urls)]
        openai = [_connection(OPENAI, i, url, openai_keys[i] if i < len(openai_keys) else "",
                              _config_for(openai_configs, i, str(url)))
                  for i, url in enumerate(openai_urls)]
        return cls(ollama_enabled=values.get("ollama.enable") is not False,
                   ollama=tuple(c for c in ollama if c is not None),
                   openai_enabled=values.get("openai.enable") is not False,
                   openai=tuple(c for c in openai if c is not None))

    def of_kind(self, kind: str) -> tuple[Connection, ...]:
        """The enabled connections of a kind (none when the whole kind is switched off)."""
        if kind == OLLAMA:
            return tuple(c for c in self.ollama if c.enabled) if self.ollama_enabled else ()
        return tuple(c for c in self.openai if c.enabled) if self.openai_enabled else ()

    def get(self, kind: str, idx: int) -> Connection | None:
        for connection in self.ollama if kind == OLLAMA else self.openai:
            if connection.idx == idx:
                return connection
        return None

    def secrets(self) -> tuple[str, ...]:
        return tuple(c.key for c in (*self.ollama, *self.openai) if len(c.key) >= 4)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# ---- errors ------------------------------------------------------------------------------

# The kinds of TransportError
SLOW_CONNECT, UNREACHABLE, IDLE, NOT_HTTP, BROKEN = (
    "slow_connect", "unreachable", "idle", "not_http", "broken")


class TransportError(Exception):
    """An upstream exchange failed in the HTTP client; `kind` says how (slow_connect,
    unreachable, idle, not_http, broken), never what the peer sent."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class UpstreamError(Exception):
    """An upstream failed us. `message` is written for end users: it names the connection
    by kind and index and never carries the upstream's body verbatim or any key."""

    reason = "upstream_failed"
    status = 502

    def __init__(self, message: str, *, retry_after: str | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class UpstreamUnreachable(UpstreamError):
    reason = "upstream_unreachable"


class UpstreamTimeout(UpstreamError):
    reason, status = "upstream_timeout", 504


class UpstreamBroken(UpstreamError):
    """The upstream closed the connection or answered something that is not its format."""

    reason = "upstream_broken"


class UpstreamRefused(UpstreamError):
    """The upstream answered with an error status; `status` is what our client gets."""

    reason = "upstream_refused"

    def __init__(self, message: str, *, status: int, retry_after: str | None = None):
        super().__init__(message, retry_after=retry_after)
        self.status = status


class Interrupted(Exception):
    """Reading an upstream was interrupted on purpose: `why` is "stopped", "disconnect"
    or "shutdown"."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


_SECRETISH = re.compile(r"(sk-[A-Za-z0-9_\-*.]{6,}|Bearer\s+\S+|key[=:]\s*\S+)", re.IGNORECASE)


def summarize(text: str, secrets: Sequence[str] = (), limit: int = 200) -> str:
    """One short line of an upstream's error message, with anything key-like removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _SECRETISH.sub("[redacted]", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- parsed answers ---------------------------------------------------------------------

@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. Ollama's timings

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ChatChunk:
    """One piece of a streamed chat answer, whichever upstream wrote it. `tool_calls` are
    in OpenAI's delta shape; `finish_reason` and `usage` come with the last pieces."""

    content: str = ""
    reasoning: str = ""
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
