"""What every REST dialect shares: a resolver Context from the request, JSON bodies
parsed into typed models, one unit of work per request, and an ASGI guard for body size."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from resolvers.context import Context, Credentials, Services

API_KEY_HEADER = "x-api-key"
Body = TypeVar("Body", bound=BaseModel)


class BadBody(Exception):
    """The body is not JSON or not of the route's shape; `errors` are pydantic-style."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors


def services(request: Request) -> Services:
    return request.app.state.services


def credentials(request: Request) -> Credentials:
    """Bearer header, then the `token` cookie, then `x-api-key`; never the URL."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    bearer = value.strip() if scheme.lower() == "bearer" and value.strip() else None
    return Credentials(bearer=bearer, cookie=request.cookies.get("token") or None,
                       api_key_header=request.headers.get(API_KEY_HEADER) or None)


def rest_context(request: Request) -> Context:
    return Context(services(request), credentials(request))


async def parse_body(request: Request, model: type[Body]) -> Body:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else None
    except ValueError as error:
        raise BadBody([{"type": "json_invalid", "loc": ["body", 0],
                        "msg": f"JSON decode error: {error}", "input": {}}]) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadBody([_jsonable(e) for e in error.errors(include_url=False)]) from None


def _jsonable(error: dict[str, Any]) -> dict[str, Any]:
    out = {"type": error["type"], "loc": ["body", *error["loc"]], "msg": error["msg"]}
    if "input" in error and isinstance(error["input"], (str, int, float, bool, type(None))):
        out["input"] = error["input"]
    return out


Handler = Callable[[Request, Context], Awaitable[Response | Any]]


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413 before a handler buffers them, whether
    the client declared Content-Length or streams chunks."""

    def __init__(self, app, limit: int, render: Callable[[Scope, str], Response]):
        self.app, self.limit, self.render = app, limit, render

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        too_large = f"The request body is larger than {self.limit} bytes."
        if declared is not None and declared.isdigit():
            if int(declared) > self.limit:
                return await self.render(scope, too_large)(scope, receive, send)
            # The server's parser ends the body at the declared length: nothing to count.
            return await self.app(scope, receive, send)
        if b"transfer-encoding" not in headers:  # neither length nor chunks: no body
            return await self.app(scope, receive, send)
        seen = 0
        started = False

        async def guarded_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self.render(scope, too_large)(scope, receive, send)


class _TooLarge(Exception):
    pass


def json_response(content: Any, status: int = 200, headers: dict | None = None) -> Response:
    return JSONResponse(content, status_code=status, headers=headers)
