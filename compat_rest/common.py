"""What every REST dialect shares: a resolver Context from the request, and JSON bodies
read once and parsed into typed models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

# pydantic's ValidationError is pydantic-core's: importing pydantic itself is left to the
# route modules that define models, all of them loaded on their first request.
from pydantic_core import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from resolvers.context import Context, Credentials, Services
from resolvers.errors import Invalid
from resolvers.input_rules import INT64_MAX, decode_json, whole_number

if TYPE_CHECKING:
    from pydantic import BaseModel

API_KEY_HEADER = "x-api-key"
Body = TypeVar("Body", bound="BaseModel")


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


async def read_json(request: Request) -> Any:
    """The one reader of REST JSON bodies (the edge, compat_rest/edge.py, has already
    received it whole): None when empty, else the document held to the input rules
    (depth, 64-bit integers, no NUL)."""
    raw = await request.body()
    if not raw:
        return None
    try:
        return decode_json(raw)
    except Invalid as error:
        kind = "json_invalid" if error.reason.startswith("json") else "value_error"
        raise BadBody([{"type": kind, "loc": ["body"], "msg": error.message}]) from None


async def parse_body(request: Request, model: type[Body]) -> Body:
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadBody([_jsonable(e) for e in error.errors(include_url=False)]) from None


def query_int(request: Request, name: str, *, low: int, high: int = INT64_MAX,
              default: int | None = None) -> int | None:
    """The one reader of integer query parameters (pages, skips, limits): a whole number
    within 64 bits (resolvers/input_rules.py) and within [low, high], else a 422 in
    FastAPI's shape; `default` when absent or empty."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = whole_number(raw, name)
    except Invalid:
        value = None
    if value is None or not low <= value <= high:
        raise BadBody([{"type": "value_error", "loc": ["query", name], "input": raw,
                        "msg": f"Input should be a whole number from {low} to {high}"}])
    return value


def page_number(request: Request, size: int, *, default: int | None = 1) -> int | None:
    """A 1-based `page` of `size` items, no further than an offset within 64 bits."""
    return query_int(request, "page", low=1, high=INT64_MAX // size, default=default)


def _jsonable(error: dict[str, Any]) -> dict[str, Any]:
    out = {"type": error["type"], "loc": ["body", *error["loc"]], "msg": error["msg"]}
    if "input" in error and isinstance(error["input"], (str, int, float, bool, type(None))):
        out["input"] = error["input"]
    return out


Handler = Callable[[Request, Context], Awaitable[Response | Any]]


def json_response(content: Any, status: int = 200, headers: dict | None = None) -> Response:
    return JSONResponse(content, status_code=status, headers=headers)
