"""`/graphql` over HTTP (GET for queries, POST for everything) and WebSockets (both
graphql-transport-ws and the legacy graphql-ws), plus our own GraphiQL page."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import timedelta

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.websocket_origin import (
    is_same_origin,
    normalize_allowed_origins,
    normalize_origin,
)
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from resolvers.auth.authenticate import current_viewer
from resolvers.errors import DomainError, Invalid
from resolvers.input_rules import decode_json
from schema.context import GraphQLContext, http_credentials, ws_credentials
from schema.errors import domain_extensions, formatted
from schema.graphiql import assets_available, graphiql_page
from schema.root import build_schema
from schema.websocket import LegacyWSHandler, TransportWSHandler

PATH = "/graphql"
log = logging.getLogger("parley.graphql")


class WebSocketRequired(HTTPException):
    """A subscription sent over HTTP: it streams, and only the WebSocket carries streams."""

    def __init__(self) -> None:
        super().__init__(400, f"Subscriptions are served over a WebSocket at {PATH} "
                              f"(subprotocol {GRAPHQL_TRANSPORT_WS_PROTOCOL} or "
                              f"{GRAPHQL_WS_PROTOCOL}), not over HTTP.")


class GraphQLView(GraphQL):
    """Strawberry's ASGI view with our context, WebSocket authentication, GraphiQL page
    and JSON bodies for transport errors (strawberry answers those in plain text)."""

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, schema, *, cors_allow_origins: Iterable[str], init_timeout: int = 60):
        origins = usable_origins(cors_allow_origins)
        super().__init__(
            schema, graphql_ide=None, allow_queries_via_get=True, allowed_origins=origins,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            # File uploads (the GraphQL multipart request spec), guarded in __call__.
            multipart_uploads_enabled=True,
            # graphql-transport-ws closes a socket that never sent connection_init (4408)
            connection_init_wait_timeout=timedelta(seconds=init_timeout))
        # Origins named one by one may use the `token` cookie over WebSockets; "*" admits
        # any page but not with the user's cookie, as CORS does for HTTP in asgi.py.
        self.cookie_origins = {normalize_origin(o) for o in origins if o != "*"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        if unguarded_multipart(request):
            response: Response = transport_error(HTTPException(400, PREFLIGHT_NEEDED))
        elif wants_graphiql(request):
            response = HTMLResponse(graphiql_page(PATH, available=assets_available()))
        else:
            try:
                response = await self.run(request)
            except HTTPException as error:
                response = transport_error(error)
            finally:
                await request.close()  # the spooled files of an upload, if any
        await response(scope, receive, send)

    async def get_context(self, request, response) -> GraphQLContext:
        services = request.app.state.services
        if isinstance(request, WebSocket):
            # Credentials are read in on_ws_connect, from the connection_init payload.
            return GraphQLContext(services, request=request, response=response,
                                  cookie_trusted=self.cookie_trusted(request))
        return GraphQLContext(services, http_credentials(request), request=request,
                              response=response)

    async def on_ws_connect(self, context: GraphQLContext):
        """Authenticate once at connection_init, for both protocols: bad credentials refuse
        the connection (4403 on graphql-transport-ws, connection_error on graphql-ws).
        Each operation authenticates again, so a token revoked later stops working, and
        the connection ends when its access does (schema/websocket.py)."""
        context.credentials = ws_credentials(context.request, context.connection_params,
                                             cookie_trusted=context.cookie_trusted)
        # A legacy graphql-ws client may initialise again, with other credentials.
        context.viewer_cache, context.connected_as = None, None
        try:
            async with context.unit_of_work():
                context.connected_as = await current_viewer(context)
        except DomainError as error:
            raise ConnectionRejectionError(
                {"message": error.message, "extensions": domain_extensions(error)}) from None
        return UNSET

    def cookie_trusted(self, websocket: WebSocket) -> bool:
        headers = websocket.headers
        origin = headers.get("origin")
        return (origin is None or headers.get("sec-fetch-site") == "same-origin"
                or is_same_origin(origin, headers.get("host"))
                or normalize_origin(origin) in self.cookie_origins)

    def should_render_graphql_ide(self, request) -> bool:
        # __call__ serves our page first; here a GET without a query is a bad request.
        return False

    def encode_json(self, data: object) -> str:
        # orjson writes a page of 50 chats with 250 messages in a fifth of the standard
        # library's time. What it refuses (an integer beyond 64 bits, a key that is not a
        # string, both possible inside a JSON scalar's stored value) goes through json,
        # as before. Text, not bytes: WebSocket messages must be text frames. Non-ASCII
        # comes out as UTF-8 where json escaped it: the same JSON.
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    def decode_json(self, data: str | bytes) -> object:
        # No deeper than the input rules allow (strawberry's json.loads would recurse
        # until Python stops it); strawberry answers a JSONDecodeError with a 400 over
        # HTTP and closes a WebSocket with 4400. Values are checked per operation, as
        # BAD_USER_INPUT (schema/extensions.py).
        try:
            return decode_json(data, check_values=False)
        except Invalid as error:
            raise json.JSONDecodeError(error.message, "", 0) from None

    def parse_json(self, data: str | bytes):
        try:
            value = self.decode_json(data)
        except json.JSONDecodeError as error:
            raise HTTPException(400, f"Unable to parse request body as JSON: {error.msg}"
                                ) from None
        if not isinstance(value, dict | list):  # strawberry would fail on `.get` with a 500
            raise HTTPException(400, "The request body must be a JSON object.")
        return value

    async def execute_single(self, request, request_adapter, sub_response, context,
                             root_value, request_data) -> ExecutionResult:
        try:
            return await super().execute_single(request, request_adapter, sub_response,
                                                context, root_value, request_data)
        except HTTPException as error:
            refused = error.__cause__
            if not isinstance(refused, InvalidOperationTypeError):
                raise
            if refused.operation_type is OperationType.SUBSCRIPTION:
                raise WebSocketRequired from error
            raise HTTPException(405, error.reason) from error  # a mutation over GET

    async def process_result(self, request, result: ExecutionResult):
        # The ErrorCodes extension formats errors; this catches what escapes extensions.
        if result.errors:
            result.errors = [formatted(error) for error in result.errors]
        return await super().process_result(request, result)


# A multipart body is a "simple" request that a page of any origin may send with the
# user's cookie and no CORS preflight; a header no HTML form can set (Apollo's
# convention) or a token in a header makes the browser ask first.
PREFLIGHT_HEADERS = ("authorization", "x-api-key", "apollo-require-preflight",
                     "graphql-require-preflight", "x-apollo-operation-name")
PREFLIGHT_NEEDED = ("A multipart (file upload) request must carry an Authorization header "
                    "or one of the headers Apollo-Require-Preflight, GraphQL-Require-"
                    "Preflight or X-Apollo-Operation-Name, so that no other site can send it "
                    "with your cookie.")


def unguarded_multipart(request: Request) -> bool:
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return media == "multipart/form-data" and not any(
        request.headers.get(name) for name in PREFLIGHT_HEADERS)


def wants_graphiql(request: Request) -> bool:
    return (request.method == "GET" and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", ""))


def transport_error(error: HTTPException) -> Response:
    code = {405: "METHOD_NOT_ALLOWED"}.get(error.status_code, "BAD_REQUEST")
    if isinstance(error, WebSocketRequired):
        code = "WEBSOCKET_REQUIRED"
    headers = {"Allow": "POST"} if error.status_code == 405 else None
    return JSONResponse({"errors": [{"message": error.reason, "extensions": {"code": code}}]},
                        status_code=error.status_code, headers=headers)


def usable_origins(configured: Iterable[str]) -> list[str]:
    """CORS_ALLOW_ORIGIN entries that are origins; others are logged and skipped, so one
    typo does not stop the server (REST's CORS simply never matches them either)."""
    usable = []
    for origin in configured:
        try:
            normalize_allowed_origins([origin])
        except ValueError:
            log.warning("CORS origin %r is not scheme://host[:port]; WebSockets from it "
                        "are refused", origin)
            continue
        usable.append(origin)
    return usable


def graphql_routes(settings) -> list[BaseRoute]:
    view = GraphQLView(build_schema(settings), cors_allow_origins=settings.cors_allow_origins,
                       init_timeout=settings.graphql_ws_init_timeout)
    return [Route(PATH, view, methods=["GET", "POST"]), WebSocketRoute(PATH, view)]
