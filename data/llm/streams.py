"""Reading one upstream answer: its bytes as they arrive, interruptible from another task,
with every transport failure turned into an UpstreamError, and line framing checked for
the streaming formats (NDJSON and server-sent events) without re-encoding anything."""

from __future__ import annotations

import asyncio
import json
import json.scanner
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, TypeVar

import orjson

from data.llm.base import (
    IDLE,
    NOT_HTTP,
    SLOW_CONNECT,
    UNREACHABLE,
    Connection,
    Interrupted,
    TransportError,
    UpstreamBroken,
    UpstreamError,
    UpstreamRefused,
    UpstreamTimeout,
    UpstreamUnreachable,
    summarize,
)

if TYPE_CHECKING:
    from data.llm.http import HttpAnswer

NDJSON, SSE, JSON = "ndjson", "sse", "json"
MAX_LINE = 16 * 1024 * 1024  # one line of an answer (a base64 image fits; a runaway does not)
# The C scanner json.loads ends in, called directly, for the lines orjson refuses.
_scan_json = json.scanner.make_scanner(json.JSONDecoder())
MAX_ERROR_BODY = 64 * 1024
T = TypeVar("T")


def transport_error(connection: Connection, error: TransportError) -> UpstreamError:
    """A user-fit error for a transport failure: it says what happened, never the address
    or anything the upstream sent."""
    kind = error.kind
    if kind == SLOW_CONNECT:
        return UpstreamUnreachable(f"{connection.label} did not accept a connection in time.")
    if kind == IDLE:
        return timed_out(connection)
    if kind == UNREACHABLE:
        return UpstreamUnreachable(f"{connection.label} is unreachable.")
    if kind == NOT_HTTP:
        return UpstreamBroken(f"{connection.label} answered something that is not valid "
                              "HTTP.")
    return UpstreamBroken(f"{connection.label} closed the connection before the answer was "
                          "complete.")


def redirected(connection: Connection, status: int) -> UpstreamRefused:
    """A base URL that redirects is a configuration to fix, not an answer to follow."""
    return UpstreamRefused(f"{connection.label} answered with a redirect (HTTP {status}); "
                           "its URL needs to be the one it redirects to.", status=502)


def timed_out(connection: Connection) -> UpstreamTimeout:
    return UpstreamTimeout(f"{connection.label} stopped answering (no data within the "
                           "idle timeout).")


class Interruptible:
    """Awaits on behalf of one task that others may interrupt: a stop request or a client
    that went away. The waiting task then gets Interrupted instead of its result, at once,
    whether it waits for an upstream's headers or for the next chunk."""

    def __init__(self) -> None:
        self.why: str | None = None
        self._task: asyncio.Task | None = None
        self._cancel_sent = False

    def interrupt(self, why: str) -> None:
        if self.why is None:
            self.why = why
        if self._task is not None and not self._cancel_sent:
            self._cancel_sent = True
            self._task.cancel()

    async def run(self, awaitable: Awaitable[T]) -> T:
        if self.why is not None:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise Interrupted(self.why)
        self._task = task = asyncio.current_task()
        try:
            return await awaitable
        except asyncio.CancelledError:
            # Ours only if we sent it and nobody else cancelled this task as well.
            if self._cancel_sent and task is not None:
                self._cancel_sent = False
                if task.uncancel() == 0:
                    raise Interrupted(self.why or "stopped") from None
            raise
        finally:
            self._task = None


class UpstreamResponse:
    """An upstream's answer whose headers have arrived and whose body has not been read."""

    def __init__(self, response: HttpAnswer, connection: Connection,
                 guard: Interruptible):
        self.response = response
        self.connection = connection
        self.guard = guard
        self.status = response.status
        self.content_type = response.headers.get("Content-Type", "")

    @property
    def framing(self) -> str:
        kind = self.content_type.split(";")[0].strip().lower()
        if kind == "text/event-stream":
            return SSE
        if kind in ("application/x-ndjson", "application/jsonl", "application/json-seq"):
            return NDJSON
        return JSON

    async def next_chunk(self) -> bytes | None:
        """The next bytes as they arrived (decompressed), or None at the end."""
        try:
            return await self.guard.run(self.response.read())
        except TransportError as error:
            raise transport_error(self.connection, error) from None

    async def read_all(self, limit: int) -> bytes:
        """The whole body, up to `limit` bytes (more is cut off)."""
        parts, size = [], 0
        while size < limit and (chunk := await self.next_chunk()) is not None:
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)[:limit]

    async def aclose(self) -> None:
        """Back to the pool when the answer arrived to its end; otherwise the connection
        is closed, which is what tells the upstream to stop generating."""
        self.response.close()

    async def refused(self, secrets: Sequence[str]) -> UpstreamRefused:
        """Read an error answer (status >= 400) and say what it means, in one line."""
        try:
            body = await self.read_all(MAX_ERROR_BODY)
        except UpstreamError:
            body = b""
        finally:
            await self.aclose()
        return refusal(self.connection, self.status, body, secrets,
                       self.response.headers.get("Retry-After"))


def error_text(body: bytes) -> str:
    """The message inside an error body in any of the shapes upstreams use."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("error", "detail", "message"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                return value
    return ""


def refusal(connection: Connection, status: int, body: bytes, secrets: Sequence[str],
            retry_after: str | None = None) -> UpstreamRefused:
    text = summarize(error_text(body), secrets)
    said = f": {text}" if text else ""
    if status in (401, 403):  # the server's key, not the caller's: a gateway failure
        return UpstreamRefused(f"{connection.label} refused this server's credentials "
                               f"(HTTP {status}).", status=502)
    if status < 500:
        return UpstreamRefused(f"{connection.label} answered {status}{said}", status=status,
                               retry_after=retry_after)
    relayed = status if status == 503 else 502
    return UpstreamRefused(f"{connection.label} failed (HTTP {status}){said}", status=relayed,
                           retry_after=retry_after)


def json_object(line: bytes) -> dict | None:
    """The JSON object that `line` holds whole, or None. orjson reads almost every line,
    at twice the standard library's speed (a streamed answer has a line per token); the
    few valid lines it refuses (a number past a double's range, a lone surrogate escape)
    get a second reading from the standard library."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            decoded = line.decode()
            value, end = _scan_json(decoded, 0)
        except (ValueError, StopIteration):  # StopIteration: no JSON value starts there
            return None
        if end != len(decoded):
            return None
    return value if isinstance(value, dict) else None


class LineCheck:
    """Passes a streaming answer on in whole lines, checking each: NDJSON lines must be
    JSON objects, SSE `data:` lines JSON objects or `[DONE]`. Bytes are never re-encoded;
    a partial line waits for its end. `finished` tells whether the answer's own end
    marker (`"done": true`, or `[DONE]`) arrived. At the first bad line, or an error the
    upstream reports inside the stream, `failure` is set and nothing more is passed on:
    the upstream's own error text is summarised, never relayed. With `keep`, the decoded
    objects of the passed lines wait in `values` for the caller."""

    def __init__(self, framing: str, connection: Connection, *, keep: bool = False,
                 secrets: Sequence[str] = ()):
        self.sse = framing == SSE
        self.connection = connection
        self.keep, self.secrets = keep, secrets
        self.values: list[dict] = []
        # The pieces of a line still waiting for its end. Kept apart and joined once, when
        # the end arrives: only new bytes are ever searched for a line end, so a long line
        # arriving in small pieces costs time in proportion to its length, not its square.
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.finished = False
        self.failure: UpstreamError | None = None

    def feed(self, chunk: bytes) -> bytes:
        """The complete, valid lines this chunk finished (the valid ones before a bad one)."""
        if self.failure is not None:
            return b""
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            self._pending.append(chunk)
            self._pending_size += len(chunk)
            if self._pending_size > MAX_LINE:
                self._fail(UpstreamBroken(f"{self.connection.label} sent a line longer than "
                                          "the limit."))
            return b""
        block = chunk if cut == len(chunk) else chunk[:cut]
        if self._pending:
            block = b"".join((*self._pending, block))
        self._pending = [chunk[cut:]] if cut < len(chunk) else []
        self._pending_size = len(chunk) - cut
        return self._checked(block)

    def end(self) -> bytes:
        """At the end of the body: the last line if it had no newline, checked."""
        block = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        if self.failure is not None or not block.strip():
            return b""
        return self._checked(block)

    def _checked(self, block: bytes) -> bytes:
        start = 0
        for line in block.split(b"\n"):
            # Blank lines (every SSE event ends with one) need no call of their own.
            if (stripped := line.strip()) and (problem := self._problem(stripped)) is not None:
                self._fail(problem)
                return block[:start]
            start += len(line) + 1
        return block

    def _problem(self, line: bytes) -> UpstreamError | None:
        if self.sse:
            if not line.startswith(b"data:"):
                ok = line.startswith((b":", b"event:", b"id:", b"retry:"))
                return None if ok else self._garbage()
            line = line[5:].strip()
            if line == b"[DONE]":
                self.finished = True
                return None
        value = json_object(line)
        if value is None:
            return self._garbage()
        if value.get("error"):
            text = summarize(error_text(line), self.secrets)
            return UpstreamBroken(f"{self.connection.label} failed while answering"
                                  + (f": {text}" if text else "."))
        if not self.sse and value.get("done") is True:
            self.finished = True
        if self.keep:
            self.values.append(value)
        return None

    def _garbage(self) -> UpstreamBroken:
        return UpstreamBroken(f"{self.connection.label} sent a line that is not valid JSON.")

    def _fail(self, error: UpstreamError) -> None:
        self._pending, self._pending_size = [], 0
        self.failure = error
