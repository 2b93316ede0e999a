"""The GraphQL context: a resolver Context that also remembers its transport.

Credentials come from the same places as on REST (bearer header, `token` cookie,
`x-api-key`), and on WebSockets first from the `connection_init` payload. Never from the
URL: query strings end up in proxy logs and browser history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from starlette.requests import HTTPConnection

from resolvers.context import Context, Credentials, Services, Viewer

API_KEY_HEADER = "x-api-key"
TOKEN_COOKIE = "token"


class GraphQLContext(Context):
    """One per GraphQL operation (see `for_operation`). `request` is the HTTP request or
    the WebSocket; `response` is strawberry's sub-response (HTTP) or the WebSocket."""

    def __init__(self, services: Services, credentials: Credentials | None = None, *,
                 request: HTTPConnection | None = None, response: Any = None,
                 cookie_trusted: bool = True):
        super().__init__(services, credentials)
        self.request = request
        self.response = response
        self.cookie_trusted = cookie_trusted
        # strawberry stores the WebSocket connection_init payload here.
        self.connection_params: dict[str, Any] | None = None
        # Who a WebSocket connection authenticated as at connection_init (None: nobody).
        self.connected_as: Viewer | None = None
        # Set when a mutation answered with an expected failure: roll back, don't commit.
        self.failed = False

    def for_operation(self) -> GraphQLContext:
        """A fresh context for one operation. Strawberry makes one context per WebSocket
        *connection*, and operations on it run concurrently; each needs its own unit of
        work and must re-check the token (it may have been revoked since connecting)."""
        return GraphQLContext(self.services, self.credentials, request=self.request,
                              response=self.response, cookie_trusted=self.cookie_trusted)


def bearer_token(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def http_credentials(connection: HTTPConnection, *, cookie_trusted: bool = True) -> Credentials:
    """Bearer header, then the `token` cookie, then `x-api-key` (Open WebUI's order)."""
    headers = connection.headers
    cookie = connection.cookies.get(TOKEN_COOKIE) if cookie_trusted else None
    return Credentials(bearer=bearer_token(headers.get("authorization")),
                       cookie=cookie or None,
                       api_key_header=headers.get(API_KEY_HEADER) or None)


def ws_credentials(websocket: HTTPConnection, params: Mapping[str, Any] | None, *,
                   cookie_trusted: bool) -> Credentials:
    """From the connection_init payload (`Authorization: Bearer …`, `token` or `x-api-key`,
    any letter case, as GraphiQL's headers editor sends them); when it carries none, from
    the handshake's headers and cookie, like HTTP."""
    lowered = {str(k).lower(): v for k, v in (params or {}).items() if isinstance(v, str)}
    bearer = bearer_token(lowered.get("authorization")) or lowered.get("token") or None
    api_key = lowered.get(API_KEY_HEADER) or None
    if bearer or api_key:
        return Credentials(bearer=bearer, api_key_header=api_key)
    return http_credentials(websocket, cookie_trusted=cookie_trusted)


Info = strawberry.Info[GraphQLContext, None]
