"""Open WebUI's error dialect: `{"detail": ...}` with its texts and its status quirks
(role failures are 401, an unknown user is 400 on its user routes, ...)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from compat_rest.common import BadBody, Handler, rest_context
from resolvers.errors import DomainError, RateLimited

log = logging.getLogger("parley.rest")

ACCESS_PROHIBITED = ("You do not have permission to access this resource. Please contact your "
                     "administrator for assistance.")
NOT_FOUND = "We could not find what you're looking for :/"
INVALID_AUTH_REQUEST = "Invalid authentication request."

# reason -> (status, detail), facts of Open WebUI 0.12.4's responses
DIALECT: Mapping[str, tuple[int, str]] = {
    "not_authenticated": (401, "Not authenticated"),
    "token_invalid": (401, "401 Unauthorized"),
    "token_revoked": (401, "Your session has expired or the token is invalid. Please sign in "
                           "again."),
    "account_missing": (401, "Your session has expired or the token is invalid. Please sign in "
                             "again."),
    "account_inactive": (401, INVALID_AUTH_REQUEST),
    "role_pending": (401, ACCESS_PROHIBITED),
    "not_admin": (401, ACCESS_PROHIBITED),
    "session_required": (403, "This action requires a signed-in session, not an API key."),
    "api_keys_disabled": (403, "Use of API key is not enabled in the environment."),
    "api_key_creation_not_allowed": (403, "API key creation is not allowed in the environment."),
    "api_key_not_found": (404, "Oops! It looks like there's a hiccup. The API key is missing. "
                               "Please make sure to provide a valid API key to access this "
                               "feature."),
    "invalid_credentials": (400, "The email or password provided is incorrect. Please check for "
                                 "typos and try logging in again."),
    "incorrect_password": (400, "The password provided is incorrect. Please check for typos and "
                                "try again."),
    "email_taken": (400, "Uh-oh! This email is already registered. Sign in with your existing "
                         "account or choose another email to start anew."),
    "invalid_email": (400, "The email format you entered is invalid. Please double-check and "
                           "make sure you're using a valid email address (e.g., "
                           "yourname@example.com)."),
    "signup_disabled": (403, ACCESS_PROHIBITED),
    "password_auth_disabled": (403, "The requested action has been restricted as a security "
                                    "measure."),
    "primary_admin": (403, "The requested action has been restricted as a security measure."),
    "self_delete": (403, "The requested action has been restricted as a security measure."),
    "admin_details_hidden": (400, "The requested action has been restricted as a security "
                                  "measure."),
    "user_not_found": (400, NOT_FOUND),
    "rate_limited": (429, "API rate limit exceeded"),
}


def error_response(status: int, detail, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"detail": detail}, status_code=status, headers=dict(headers or {}))


# A route's own answer for a reason: a status, or a status with Open WebUI's detail text.
Overrides = Mapping[str, int | tuple[int, str]]


def render_domain_error(error: DomainError, overrides: Overrides | None = None) -> Response:
    status, detail = DIALECT.get(error.reason, (error.status, error.message))
    override = overrides.get(error.reason) if overrides else None
    if isinstance(override, tuple):
        status, detail = override
    elif override is not None:
        status = override
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
    return error_response(status, detail, headers)


def endpoint(*, write: bool = False, auth_route: bool = False,
             overrides: Overrides | None = None
             ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler in one unit of work and Open WebUI's error dialect. Auth routes
    answer body errors with a plain string and are never cached, as Open WebUI's are."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            ctx = rest_context(request)
            try:
                async with ctx.unit_of_work(write=write):
                    result = await handler(request, ctx)
                response = result if isinstance(result, Response) else JSONResponse(result)
            except DomainError as error:
                response = render_domain_error(error, overrides)
            except BadBody as error:
                response = error_response(422, INVALID_AUTH_REQUEST if auth_route
                                          else error.errors)
            if auth_route:
                response.headers["Cache-Control"] = "no-store"
            return response

        return run

    return wrap
