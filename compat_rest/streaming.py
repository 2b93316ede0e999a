"""Streaming answers for every REST dialect: bytes passed on as they arrive, a dialect's
error frame when the stream fails part-way, and a watch on the client's side so that a
client that leaves interrupts the work at once, even while nothing is being sent."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from compat_rest.common import BadBody, Handler, rest_context
from resolvers.completions.relay import RelaySpec, start_relay
from resolvers.context import Context
from resolvers.errors import DomainError

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


WATCH_DELAY = 0.05  # seconds before a request's disconnect watch starts


class DisconnectWatch:
    """Once a request's body has been read, the next ASGI message can only say that the
    client went away: wait for it beside the handler and call `on_disconnect`.

    The watch starts WATCH_DELAY after the request: an answer that begins sooner does
    not pay for a task on its first byte, and a client that leaves is still noticed
    within that moment (uvicorn keeps the disconnect for the first receive)."""

    def __init__(self, receive: Receive, on_disconnect: Callable[[str], None]):
        self._task: asyncio.Task | None = None
        self._timer = asyncio.get_running_loop().call_later(
            WATCH_DELAY, self._start, receive, on_disconnect)

    def _start(self, receive: Receive, on_disconnect: Callable[[str], None]) -> None:
        self._task = asyncio.ensure_future(self._watch(receive, on_disconnect))

    @staticmethod
    async def _watch(receive: Receive, on_disconnect: Callable[[str], None]) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        on_disconnect("disconnect")

    def stop(self) -> None:
        self._timer.cancel()
        if self._task is not None:
            self._task.cancel()


class StreamingAnswer(Response):
    """Sends `chunks` unchanged as they come. A DomainError raised part-way becomes the
    dialect's error frame (`frame(error)`), and the body ends normally after it."""

    def __init__(self, chunks: AsyncIterator[bytes], *, status: int, media_type: str,
                 watch: DisconnectWatch, frame: Callable[[DomainError], bytes],
                 headers: Mapping[str, str] | None = None):
        self.chunks, self.watch, self.frame = chunks, watch, frame
        self.status_code = status
        self.media_type = media_type
        self.background = None
        self.init_headers({**STREAM_HEADERS, **(headers or {})})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        try:
            # The first piece leaves in this step, with the head (see http_protocol.py).
            # A task of its own passes the rest on: each piece then wakes only that
            # task's short chain of awaits, not this one, which runs through every
            # middleware (about twenty frames resumed per piece, measured).
            first = await anext(self.chunks, None)
            if first is not None:
                await send({"type": "http.response.body", "body": first, "more_body": True})
                await asyncio.ensure_future(self._pass_on(send))  # cancelled with this one
        except DomainError as error:
            await send({"type": "http.response.body", "body": self.frame(error),
                        "more_body": True})
        finally:
            self.watch.stop()
            with contextlib.suppress(Exception):
                await self.chunks.aclose()  # type: ignore[attr-defined]
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pass_on(self, send: Send) -> None:
        async for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


def body_error_text(error: BadBody) -> str:
    """A body error in one line, for dialects whose errors are a single message."""
    parts = []
    for item in error.errors[:3]:
        where = ".".join(str(p) for p in item.get("loc", [])[1:]) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "Invalid request body: " + "; ".join(parts)


def dialect_endpoint(render: Callable[[DomainError], Response],
                     bad_body: Callable[[BadBody], Response]):
    """A decorator factory for a dialect's handlers: its error envelope for DomainErrors
    and body errors. With `unit_of_work=True` the handler runs in one (read) unit of work;
    streaming handlers open their own short one so that no session outlives the setup."""

    def endpoint(*, unit_of_work: bool = True):
        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            @functools.wraps(handler)
            async def run(request: Request) -> Response:
                ctx = rest_context(request)
                try:
                    if unit_of_work:
                        async with ctx.unit_of_work():
                            result = await handler(request, ctx)
                    else:
                        result = await handler(request, ctx)
                except DomainError as error:
                    return render(error)
                except BadBody as error:
                    return bad_body(error)
                return result if isinstance(result, Response) else JSONResponse(result)

            return run

        return wrap

    return endpoint


async def relay_answer(request: Request, relay, frame: Callable[[DomainError], bytes]
                       ) -> Response:
    """Open a relay started by `resolvers.completions.relay.start_relay` and answer with it: a whole
    answer as one response, a streamed one passed on as it arrives. The client leaving
    at any point (even before the upstream answered) interrupts it."""
    watch = DisconnectWatch(request.receive, relay.interrupt)
    try:
        await relay.open()
    except BaseException:
        watch.stop()
        raise
    if relay.buffered is not None:
        watch.stop()
        return Response(relay.buffered, status_code=relay.status, media_type=relay.media_type)
    return StreamingAnswer(relay.chunks(), status=relay.status, media_type=relay.media_type,
                           watch=watch, frame=frame)


async def relay_spec(request: Request, ctx: Context, spec: RelaySpec,
                     frame: Callable[[DomainError], bytes]) -> Response:
    """Start a relay of `spec` in a short unit of work (access, connection, task) and
    answer with it; no session is held while the answer streams."""
    async with ctx.unit_of_work():
        relay = await start_relay(ctx, spec)
    return await relay_answer(request, relay, frame)
