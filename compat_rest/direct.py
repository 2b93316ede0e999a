"""The relay routes' way past the middleware stack and the router.

A proxied request's added latency is the figure its users watch, and on a small machine
each layer it crosses costs: the trailing-slash, CORS and edge middleware, the
exception middleware, the router's walk and Starlette's wrappers around the endpoint, and
three wrapped `send`s for every piece of the answer. For most relay requests none of that
layer acts: a script or server-side client sends no `Origin` (so CORS adds nothing a
client reads), declares a JSON body's length within the limit (so the edge's rules,
compat_rest/edge.py, pass it), and names a fixed path (so routing is one lookup). Such
a request goes from here straight to its endpoint; every other request, a browser's
included, takes the whole stack as before. The endpoints are the very ones the router
would call, and the body is read by the edge's own reader (its size and time limits), so
both ways answer alike.

One difference, on purpose: Starlette's CORS middleware adds `Vary: Origin` to every
response, also to requests without an Origin, for shared caches. Answers to these POSTs
are never cached, so the direct way leaves it out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from compat_rest.edge import BodyReader, is_json_media, replay
from compat_rest.lazy import LazyRoutes

Endpoint = Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    """ASGI middleware, first in the stack, for the POST routes of `tables` that have no
    path parameters. `reader` reads bodies as the edge does."""

    def __init__(self, app: ASGIApp, tables: Sequence[LazyRoutes], reader: BodyReader):
        self.app, self.reader, self.limit = app, reader, reader.limit
        self.tables = {prefix: table for table in tables for prefix in table.prefixes}
        self.prefixes = tuple(self.tables)
        self._endpoints: dict[str, Endpoint] = {}
        self._loaded: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoint(scope) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.endswith("/"):  # as the trailing-slash middleware would have it
            scope = dict(scope, path=path.rstrip("/"))
        body = await self.reader.read(scope, receive, send)
        if body is None:  # answered (too large, too slow) or the client left
            return
        response = await endpoint(Request(scope, replay(body, receive), send))
        await response(scope, receive, send)

    def _endpoint(self, scope: Scope) -> Endpoint | None:
        path = scope["path"]
        if scope["method"] != "POST" or not path.startswith(self.prefixes):
            return None
        endpoint = self._endpoints.get(path.rstrip("/"))
        if endpoint is None and not self._all_loaded():
            self._load(path)
            endpoint = self._endpoints.get(path.rstrip("/"))
        if (endpoint is None or b"%00" in scope["query_string"]
                or not self._untouched(scope["headers"])):
            return None
        return endpoint

    def _untouched(self, headers: Sequence[tuple[bytes, bytes]]) -> bool:
        """Whether no middleware would act on a request with these headers: not from a
        browser page (no Origin or Sec-Fetch-Site), a JSON body and a declared length
        within the limit (or no body at all)."""
        length, json = 0, None
        for name, value in headers:
            if name in (b"origin", b"sec-fetch-site", b"transfer-encoding"):
                return False
            if name == b"content-length":
                if not (value.isdigit() and int(value) <= self.limit):
                    return False
                length = int(value)
            elif name == b"content-type":
                json = is_json_media(value.decode("latin-1"))
        return json if json is not None else not length

    def _all_loaded(self) -> bool:
        return len(self._loaded) == len(self.tables)

    def _load(self, path: str) -> None:
        """The fixed POST routes of the table under `path`'s prefix (importing it, as
        its first request would)."""
        for prefix, table in self.tables.items():
            if path.startswith(prefix) and prefix not in self._loaded:
                self._loaded.add(prefix)
                for route in table.routes:
                    if (isinstance(route, Route) and not route.param_convertors
                            and "POST" in (route.methods or ())):
                        self._endpoints[route.path] = route.endpoint
