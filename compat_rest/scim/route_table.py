"""SCIM's route table, served under both prefixes while ENABLE_SCIM is on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from compat_rest.scim import PREFIXES, discovery, groups, users
from compat_rest.scim.errors import error_response
from compat_rest.scim.resources import Resource, endpoints

# Every route takes every method and answers the ones it does not serve itself, so that
# a wrong method gets SCIM's 405 rather than the router's plain-text one.
ANY = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Endpoint = Callable[[Request], Awaitable[Response]]


def _methods(**handlers: Endpoint) -> Endpoint:
    """One route, several methods; any other method is a SCIM 405 naming those allowed."""
    allowed = ", ".join(sorted(name.upper() for name in handlers))

    async def dispatch(request: Request) -> Response:
        handler = handlers.get(request.method.lower())
        if handler is None:
            return error_response(405, f"{request.method} is not allowed here; use "
                                       f"{allowed}.", headers={"Allow": allowed})
        return await handler(request)

    return dispatch


def _route(path: str, endpoint: Endpoint) -> Route:
    return Route(path, endpoint, methods=ANY)


def _resource_routes(resource: Resource) -> list[BaseRoute]:
    return [_route(resource.rtype.endpoint + path, _methods(**handlers))
            for path, handlers in endpoints(resource).items()]


def _routes() -> list[BaseRoute]:
    return [
        _route("/ServiceProviderConfig", _methods(get=discovery.service_provider_config)),
        _route("/ResourceTypes", _methods(get=discovery.resource_types)),
        _route("/ResourceTypes/{id}", _methods(get=discovery.resource_type_by_id)),
        _route("/Schemas", _methods(get=discovery.schemas)),
        _route("/Schemas/{id}", _methods(get=discovery.schema_by_id)),
        *_resource_routes(users.RESOURCE),
        *_resource_routes(groups.RESOURCE),
        _route("/.search", _methods(post=discovery.search_all)),
        _route("/Me", discovery.not_implemented),
        _route("/Bulk", discovery.not_implemented),
        _route("/{rest:path}", discovery.not_found),
    ]


class _WhenEnabled:
    """SCIM's routes while ENABLE_SCIM is on; otherwise every SCIM path is absent."""

    def __init__(self, app: Router):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["app"].state.services.settings.scim_enabled:
            response = error_response(404, "SCIM provisioning is not enabled on this server "
                                           "(ENABLE_SCIM).")
            return await response(scope, receive, send)
        await self.app(scope, receive, send)


def routes() -> list[BaseRoute]:
    app = _WhenEnabled(Router(routes=_routes()))
    return [Mount(prefix, app=app) for prefix in PREFIXES]
