"""Calling an engine over the process's one upstream HTTP client (data/llm/http.py):
the same timeouts, proxies and pool as completions. Every failure is an EngineError
whose message is written for people: it names the engine, summarises what it said
(keys removed), and never relays its body."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from data.llm.base import IDLE, SLOW_CONNECT, UNREACHABLE, TransportError, summarize

if TYPE_CHECKING:
    from data.llm.http import UpstreamHttp

# EngineError kinds
REFUSED, UNAVAILABLE, TIMEOUT, BROKEN, NOT_IMAGE, TOO_LARGE = (
    "refused", "unavailable", "timeout", "broken", "not_image", "too_large")


class EngineError(Exception):
    """`kind` is one of the constants above; `upstream_status` the engine's own status
    when it answered with an error."""

    def __init__(self, kind: str, message: str, *, upstream_status: int | None = None):
        super().__init__(message)
        self.kind, self.message, self.upstream_status = kind, message, upstream_status


def transport_failure(engine: str, error: TransportError) -> EngineError:
    if error.kind in (IDLE, SLOW_CONNECT):
        return EngineError(TIMEOUT, f"{engine} did not answer in time.")
    if error.kind == UNREACHABLE:
        return EngineError(UNAVAILABLE, f"{engine} cannot be reached.")
    return EngineError(BROKEN, f"{engine} broke off its answer.")


def _error_text(body: bytes) -> str:
    """What an engine's error body says: OpenAI's error.message, A1111's detail/error,
    ComfyUI's error.message, else its text."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    if isinstance(parsed, dict):
        inner = parsed.get("error")
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("type") or inner)
        for name in ("detail", "error", "message", "errors"):
            if parsed.get(name):
                return str(parsed[name])
    return str(parsed)


# Answers above this are parsed (and their images decoded) in a worker thread: a 50 MB
# answer would otherwise hold the event loop, and every other request, for a while.
LARGE = 1024 * 1024


async def parse_json(data: bytes) -> Any:
    return json.loads(data) if len(data) < LARGE else await asyncio.to_thread(json.loads,
                                                                                data)


class EngineHttp:
    """One engine's requests: its name for messages, its base URL and headers, and the
    largest answer it may send."""

    def __init__(self, http: UpstreamHttp, engine: str, base_url: str,
                 headers: dict[str, str], max_bytes: int, secrets: tuple[str, ...] = ()):
        self.http, self.engine, self.base_url = http, engine, base_url
        self.headers, self.max_bytes, self.secrets = headers, max_bytes, secrets

    async def call(self, method: str, path: str, payload: Any = None, *,
                   base_url: str | None = None, headers: dict[str, str] | None = None,
                   raw: tuple[bytes, str] | None = None) -> tuple[bytes, str]:
        """The answer's body and content type; EngineError for an error status, a body
        over the limit, or a transport failure. `raw` is a body and its content type
        (a multipart form) instead of the JSON `payload`."""
        body = json.dumps(payload).encode() if payload is not None else None
        sent = dict(self.headers if headers is None else headers)
        if body is not None:
            sent["Content-Type"] = "application/json"
        if raw is not None:
            body, sent["Content-Type"] = raw
        try:
            answer = await self.http.request(method, base_url or self.base_url, path, sent,
                                             body)
        except TransportError as error:
            raise transport_failure(self.engine, error) from None
        try:
            if 300 <= answer.status < 400:
                raise EngineError(BROKEN, f"{self.engine} answered with a redirect, which "
                                          "is not followed.")
            data = await self._read(answer)
        finally:
            answer.close()
        if answer.status >= 400:
            said = summarize(_error_text(data), self.secrets)
            raise EngineError(REFUSED, f"{self.engine} refused the request "
                                       f"({answer.status}): {said}",
                              upstream_status=answer.status)
        return data, answer.headers.get("Content-Type", "")

    async def call_json(self, method: str, path: str, payload: Any = None) -> Any:
        data, _ = await self.call(method, path, payload)
        try:
            return await parse_json(data)
        except ValueError:
            raise EngineError(BROKEN, f"{self.engine} answered {path.split('?')[0]} with "
                                      "something that is not JSON.") from None

    async def _read(self, answer) -> bytes:
        declared = answer.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise self.too_large()
        parts, size = [], 0
        try:
            while (piece := await answer.read()) is not None:
                size += len(piece)
                if size > self.max_bytes:
                    raise self.too_large()
                parts.append(piece)
        except TransportError as error:
            raise transport_failure(self.engine, error) from None
        return b"".join(parts)

    def too_large(self) -> EngineError:
        return EngineError(TOO_LARGE, f"{self.engine} answered with more than "
                                      f"{self.max_bytes // 1024**2} MB.")
