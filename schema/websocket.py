"""The GraphQL WebSocket protocols' handlers, as strawberry implements them, with every
client frame checked for its shape first, and connections that end with their access.

Strawberry reads a frame's fields as the protocol promises them (`message["type"]`,
`payload["query"]`): a frame that is not a JSON object, or a subscribe whose payload is a
list, raised inside its handler and left a traceback and an open socket. A frame that is
not the protocol's shape closes the socket with 4400 (graphql-transport-ws's "bad
request"; the legacy graphql-ws protocol has no code of its own for it) and a reason.

A connection authenticates once, at connection_init. From its acknowledgement until it
closes, it waits (resolvers/auth/access_watch.py) for the end of that access: when its
credentials stop working (signed out, sessions revoked, account deactivated or deleted,
password changed, API key deleted) its operations end and it closes with 4401; when its
role changes, with 4403, and a client that connects again is authorised anew.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import suppress
from typing import Any, NotRequired

from pydantic_core import ValidationError  # pydantic's, without importing pydantic
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

from resolvers.auth.access_watch import until_access_ends

log = logging.getLogger("parley.graphql")

BAD_REQUEST = 4400
SIGNED_OUT = 4401  # graphql-ws clients treat it as final: sign in again
ROLE_CHANGED = 4403  # graphql-ws clients connect again, and are authorised anew
TRY_AGAIN_LATER = 1013  # the pub/sub broker was lost: revocations could not arrive
MAX_REASON_BYTES = 123  # what a close frame can carry


class _Operation(TypedDict):
    query: str
    variables: NotRequired[dict[str, Any] | None]
    operationName: NotRequired[str | None]
    extensions: NotRequired[dict[str, Any] | None]


class _Start(TypedDict):
    """`subscribe` (graphql-transport-ws) and `start` (graphql-ws)."""

    id: str
    payload: _Operation


class _Stop(TypedDict):
    """`complete` (graphql-transport-ws) and `stop` (graphql-ws)."""

    id: str


class _WithPayload(TypedDict):
    """`connection_init`, `ping`, `pong`."""

    payload: NotRequired[dict[str, Any] | None]


_SHAPES = {"subscribe": _Start, "start": _Start, "complete": _Stop, "stop": _Stop,
           "connection_init": _WithPayload, "ping": _WithPayload, "pong": _WithPayload}


@functools.cache
def _check(kind: str):
    """pydantic's validator for a frame type, made on its first frame: pydantic is not
    otherwise loaded by a server serving GraphQL over HTTP."""
    from pydantic import TypeAdapter

    return TypeAdapter(_SHAPES[kind])


def frame_problem(message: object) -> str | None:
    """Why a decoded client frame is not a protocol message, or None when it is one (or
    is of a type the protocol handler itself answers, known or not)."""
    if not isinstance(message, dict):
        return "A message must be a JSON object."
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message needs a `type` string."
    if kind not in _SHAPES:
        return None
    try:
        _check(kind).validate_python(message, strict=True)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return _fits(f"Invalid {kind} message: {where}: {first['msg']}.")
    return None


def _fits(reason: str) -> str:
    encoded = reason.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return reason
    return encoded[:MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."


class _Handler:
    """What both protocols' handlers add to strawberry's: the frame check, and a task
    that ends the connection with its access, from connection_ack to the end."""

    _watch: asyncio.Task | None = None

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            await self._stop_watching()

    async def handle_message(self, message: Any) -> None:
        problem = frame_problem(message)
        if problem is not None:
            await self.websocket.close(code=BAD_REQUEST, reason=problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if not self.connection_acknowledged:
            return
        await self._stop_watching()  # a legacy client may initialise again
        viewer = getattr(self.context, "connected_as", None)
        if viewer is not None and not viewer.is_service:
            self._watch = asyncio.create_task(self._close_when_access_ends(viewer))

    async def _stop_watching(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()
            with suppress(asyncio.CancelledError):
                await watch

    async def _close_when_access_ends(self, viewer) -> None:
        context = self.context
        try:
            ended = await until_access_ends(context.services, context.credentials, viewer)
        except ConnectionError as lost:  # the broker went away (or the server stops)
            log.warning("a WebSocket connection can no longer watch its access: %s", lost)
            code, reason = TRY_AGAIN_LATER, "Try again later."
        except Exception:
            log.exception("a WebSocket connection stopped watching its access")
            code, reason = TRY_AGAIN_LATER, "Try again later."
        else:
            code = SIGNED_OUT if ended.signed_out else ROLE_CHANGED
            reason = _fits(ended.reason)
        await self.end_operations()
        with suppress(Exception):  # the client may have closed it meanwhile
            await self.websocket.close(code=code, reason=reason)

    async def end_operations(self) -> None:
        """End every operation of this connection; each protocol's handler below keeps
        its operations its own way and says how."""


class TransportWSHandler(_Handler, BaseGraphQLTransportWSHandler):
    async def end_operations(self) -> None:
        tasks = [operation.task for operation in self.operations.values() if operation.task]
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        for task in tasks:  # as strawberry's shutdown: let their `finally` blocks run
            with suppress(Exception, asyncio.CancelledError):
                await task


class LegacyWSHandler(_Handler, BaseGraphQLWSHandler):
    async def end_operations(self) -> None:
        await self.cleanup()
