"""The GraphQL WebSocket protocols' handlers, as strawberry implements them, with every
client frame checked for its shape first.

Strawberry reads a frame's fields as the protocol promises them (`message["type"]`,
`payload["query"]`): a frame that is not a JSON object, or a subscribe whose payload is a
list, raised inside its handler and left a traceback and an open socket. A frame that is
not the protocol's shape closes the socket with 4400 (graphql-transport-ws's "bad
request"; the legacy graphql-ws protocol has no code of its own for it) and a reason.
"""

from __future__ import annotations

from typing import Any, NotRequired

from pydantic import TypeAdapter, ValidationError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

BAD_REQUEST = 4400
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
_CHECKS = {kind: TypeAdapter(shape) for kind, shape in _SHAPES.items()}


def frame_problem(message: object) -> str | None:
    """Why a decoded client frame is not a protocol message, or None when it is one (or
    is of a type the protocol handler itself answers, known or not)."""
    if not isinstance(message, dict):
        return "A message must be a JSON object."
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message needs a `type` string."
    check = _CHECKS.get(kind)
    if check is None:
        return None
    try:
        check.validate_python(message, strict=True)
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


class TransportWSHandler(BaseGraphQLTransportWSHandler):
    async def handle_message(self, message: Any) -> None:
        problem = frame_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)


class LegacyWSHandler(BaseGraphQLWSHandler):
    async def handle_message(self, message: Any) -> None:
        problem = frame_problem(message)
        if problem is not None:
            await self.websocket.close(code=BAD_REQUEST, reason=problem)
            return
        await super().handle_message(message)
