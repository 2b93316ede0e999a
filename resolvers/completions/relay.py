"""Relaying a request to an upstream and its answer back, bytes unchanged: the proxy
routes' one resolver. It does what every surface needs around the bytes (who may use
which model, which connection serves it, a task that can be stopped) and nothing to the
bytes themselves except checking that streamed lines are whole and valid.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from data.llm.base import Interrupted, UpstreamBroken, UpstreamError
from data.llm.streams import JSON, Interruptible, LineCheck, UpstreamResponse
from resolvers.context import Context, Services
from resolvers.errors import Invalid, UpstreamFailed
from resolvers.models.models import Route, connections, route_model
from resolvers.models.presets import apply_preset
from resolvers.permissions import require_verified
from resolvers.tasks.registry import PROXY, Stopped, TaskInfo

MAX_BUFFERED_ANSWER = 64 * 1024 * 1024


def upstream_failed(error: UpstreamError) -> UpstreamFailed:
    failed = UpstreamFailed(error.message, reason=error.reason)
    failed.status = error.status
    failed.retry_after = error.retry_after  # type: ignore[attr-defined]
    return failed


def stopped(why: str) -> Stopped:
    if why == "shutdown":
        return Stopped("The server is shutting down; the answer was cut short.",
                       reason="shutdown")
    return Stopped("The request was stopped.", reason="stopped")


@dataclass(frozen=True)
class RelaySpec:
    """What a surface asks to relay. `body` is the caller's parsed JSON; `path` is the
    upstream path; `media_type` replaces the upstream's content type when given."""

    kind: str
    path: str
    body: Mapping[str, Any]
    route: str
    url_idx: int | None = None
    media_type: str | None = None
    drop: tuple[str, ...] = field(default=("metadata",))


class UpstreamCall:
    """One request to an upstream, registered as a task: `interrupt()` (from any task, at
    any time) makes its reader stop at once and closes the upstream request."""

    def __init__(self, services: Services, route: Route, path: str, body: bytes,
                 task: TaskInfo, secrets: tuple[str, ...]):
        self.services, self.route, self.path = services, route, path
        self.body, self.task, self.secrets = body, task, secrets
        self.guard = Interruptible()
        task.interrupt = self.guard.interrupt
        self._answer: UpstreamResponse | None = None
        # Open WebUI's `sources` of a grounded answer (resolvers/completions/grounding.py),
        # for the surface to send before the answer's bytes.
        self.sources: list[dict[str, Any]] = []

    @property
    def task_id(self) -> str:
        return self.task.id

    def interrupt(self, why: str) -> None:
        self.guard.interrupt(why)

    async def _send(self) -> UpstreamResponse:
        """Send the request; an error status is read, summarised and raised."""
        answer = self._answer = await self.services.llm.open(
            self.route.connection, "POST", self.path, self.body, self.guard)
        if answer.status >= 400:
            self._answer = None
            raise await answer.refused(self.secrets)
        return answer

    async def aclose(self) -> None:
        self.services.tasks.discard(self.task.id)
        if self._answer is not None:
            answer, self._answer = self._answer, None
            await answer.aclose()


class Relay(UpstreamCall):
    """A relayed request: `open()` sends it and waits for the answer to begin; then
    iterate `chunks()` for its bytes."""

    def __init__(self, services: Services, route: Route, spec: RelaySpec, body: bytes,
                 task: TaskInfo, secrets: tuple[str, ...]):
        super().__init__(services, route, spec.path, body, task, secrets)
        self.spec = spec
        self.status = 200
        self.media_type = "application/json"
        self.buffered: bytes | None = None  # a whole (non-streamed) answer
        self._check: LineCheck | None = None
        self._first = b""

    async def open(self) -> Relay:
        """Raises a DomainError (the request never reached a usable answer), or returns
        with the status and media type known and the first whole lines in hand."""
        try:
            answer = await self._send()
            self.status = answer.status
            self.media_type = self.spec.media_type or answer.content_type or self.media_type
            if answer.framing == JSON:
                self.buffered = await self._whole(answer)
                return self
            self._check = LineCheck(answer.framing, answer.connection, secrets=self.secrets)
            while not self._first:
                chunk = await answer.next_chunk()
                self._first = self._check.feed(chunk) if chunk is not None else self._check.end()
                if self._check.failure is not None and not self._first:
                    raise self._check.failure
                if chunk is None:
                    break
            return self
        except UpstreamError as error:
            await self.aclose()
            raise upstream_failed(error) from None
        except Interrupted as interrupted:
            await self.aclose()
            raise stopped(interrupted.why) from None

    async def _whole(self, answer: UpstreamResponse) -> bytes:
        body = await answer.read_all(MAX_BUFFERED_ANSWER)
        try:
            json.loads(body)
        except ValueError:
            raise UpstreamFailed(f"{answer.connection.label} answered something that is not "
                                 "JSON.", reason="upstream_broken") from None
        finally:
            await self.aclose()
        return body

    async def chunks(self) -> AsyncIterator[bytes]:
        """The answer's bytes as they arrive, in whole lines. Raises a DomainError when the
        upstream fails part-way or the task is stopped; ends quietly when the client left."""
        if self.buffered is not None:
            yield self.buffered
            return
        answer, check = self._answer, self._check
        assert answer is not None and check is not None
        try:
            if self._first:
                yield self._first
            while check.failure is None:
                chunk = await answer.next_chunk()
                if chunk is None:
                    if (last := check.end()):
                        yield last
                    break
                if (block := check.feed(chunk)):
                    yield block
            if check.failure is not None:
                raise check.failure
            if not check.finished:
                raise UpstreamBroken(f"{answer.connection.label} ended the answer before "
                                     "finishing it.")
        except UpstreamError as error:
            raise upstream_failed(error) from None
        except Interrupted as interrupted:
            if interrupted.why != "disconnect":
                raise stopped(interrupted.why) from None
        finally:
            await self.aclose()


# Where a preset's defaults apply: Ollama's chat, OpenAI's, and Ollama's OpenAI-style one.
_CHAT_PATHS = ("/api/chat", "/chat/completions", "/v1/chat/completions")


def request_body(route: Route, spec: RelaySpec) -> bytes:
    body = {k: v for k, v in spec.body.items() if k not in spec.drop}
    if route.preset is not None and spec.path in _CHAT_PATHS:
        body = apply_preset(body, route.preset, ollama_native=spec.path == "/api/chat")
    body["model"] = route.upstream_model
    return json.dumps(body, separators=(",", ":")).encode()


async def start_relay(ctx: Context, spec: RelaySpec) -> Relay:
    """Verified users, for models they may use (see resolvers.models.models). Registers the
    request as a task; the upstream is not contacted until `open()`."""
    viewer = await require_verified(ctx)
    model = spec.body.get("model")
    if not isinstance(model, str) or not model:
        raise Invalid("A model is required.", reason="model_required", field="model")
    conns = await connections(ctx)
    route = await route_model(ctx, viewer, model, kind=spec.kind, url_idx=spec.url_idx,
                              conns=conns)
    task = ctx.services.tasks.add(kind=PROXY, user_id=viewer.id, model=model,
                                  route=spec.route, interrupt=lambda why: None)
    return Relay(ctx.services, route, spec, request_body(route, spec), task, conns.secrets())
