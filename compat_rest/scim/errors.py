"""SCIM's error dialect (RFC 7644 §3.12): every failure is an Error message with the
status as a string, a `scimType` where the RFC names one, and a `detail`; responses use
SCIM's media type. `endpoint` wraps a handler in one unit of work and this dialect."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from compat_rest.scim.auth import scim_context
from compat_rest.scim.schemas import ERROR
from resolvers.context import Context
from resolvers.errors import DomainError

log = logging.getLogger("parley.scim")
MEDIA_TYPE = "application/scim+json"


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None,
                 headers: Mapping[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type
        self.headers = dict(headers or {})


def _bad_request(scim_type: str) -> Callable[[str], ScimError]:
    """A 400 with one of the scimType values RFC 7644 §3.12 names."""
    return lambda detail: ScimError(400, detail, scim_type)


invalid_syntax = _bad_request("invalidSyntax")
invalid_value = _bad_request("invalidValue")
invalid_path = _bad_request("invalidPath")
invalid_filter = _bad_request("invalidFilter")
mutability = _bad_request("mutability")
no_target = _bad_request("noTarget")


# A resolver's failure reason -> (status, scimType) in this dialect.
_REASONS: Mapping[str, tuple[int, str | None]] = {
    "email_taken": (409, "uniqueness"),
    "user_name_taken": (409, "uniqueness"),
    "group_name_taken": (409, "uniqueness"),
    "invalid_filter": (400, "invalidFilter"),
    "not_authenticated": (401, None),
    "scim_token_invalid": (401, None),
    "user_not_found": (404, None),
    "group_not_found": (404, None),
    "primary_admin": (403, None),
    "self_delete": (403, None),
}


def scim_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None
                  ) -> Response:
    content = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    return Response(content, status_code=status, headers=dict(headers or {}),
                    media_type=MEDIA_TYPE if body is not None else None)


def error_response(status: int, detail: str, scim_type: str | None = None,
                   headers: Mapping[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="SCIM"')
    return scim_response(body, status, headers)


def render(error: ScimError | DomainError) -> Response:
    if isinstance(error, ScimError):
        return error_response(error.status, error.detail, error.scim_type, error.headers)
    status, scim_type = _REASONS.get(error.reason, (error.status, None))
    if status == 400 and scim_type is None:
        scim_type = "invalidValue"  # a value the resolver refused (e-mail, name, member)
    return error_response(status, error.message, scim_type)


Handler = Callable[[Request, Context], Awaitable[Response]]


def endpoint(*, write: bool = False) -> Callable[[Handler], Callable[[Request],
                                                                   Awaitable[Response]]]:
    """One unit of work per request; every failure rendered as a SCIM Error."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            ctx = scim_context(request)
            try:
                async with ctx.unit_of_work(write=write):
                    return await handler(request, ctx)
            except (ScimError, DomainError) as error:
                return render(error)
            except Exception:  # a bug: logged, and still answered in SCIM's dialect
                log.exception("SCIM %s %s failed", request.method, request.url.path)
                return error_response(500, "Unexpected error.")

        return run

    return wrap
