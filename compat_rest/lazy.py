"""Route tables that are imported on the first request under their prefixes, so that a
server which is never asked for a surface (SCIM, the proxies, completions, chats over
REST) never pays for importing it, at start-up or in memory."""

from __future__ import annotations

import importlib

from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

# Where matches() leaves the route it found for handle(); the router merges our child
# scope into the request's scope between the two calls.
_FOUND = "parley.lazy_route"


class LazyRoutes(BaseRoute):
    """Stands in the route list where `module`'s `routes()` would be, and routes exactly
    as those routes would in that place: the first full match among them wins, else the
    first partial one (a wrong method: their 405), else the router goes on. Paths outside
    `prefixes` are answered without importing anything, so every route the module
    declares must lie under one of them (checked when it loads)."""

    def __init__(self, module: str, prefixes: tuple[str, ...]):
        self.module, self.prefixes = module, prefixes
        self._routes: list[BaseRoute] | None = None

    @property
    def routes(self) -> list[BaseRoute]:
        if self._routes is None:
            routes = importlib.import_module(self.module).routes()
            stray = [path for path in map(_literal_start, routes)
                     if not path.startswith(self.prefixes)]
            if stray:
                raise RuntimeError(f"{self.module} serves {stray}, outside {self.prefixes}")
            self._routes = routes
        return self._routes

    @property
    def loaded(self) -> bool:
        return self._routes is not None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.prefixes):
            return Match.NONE, {}
        partial: Scope | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return Match.FULL, {**child_scope, _FOUND: route}
            if match is Match.PARTIAL and partial is None:
                partial = {**child_scope, _FOUND: route}
        if partial is not None:
            return Match.PARTIAL, partial
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = scope.pop(_FOUND)
        scope["route"] = route
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)

    def __repr__(self) -> str:
        return f"LazyRoutes({self.module!r}, prefixes={self.prefixes!r})"


def _literal_start(route: BaseRoute) -> str:
    """The fixed beginning of a route's path, before its first parameter."""
    return getattr(route, "path", "").split("{", 1)[0]
