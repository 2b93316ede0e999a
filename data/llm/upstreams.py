"""The process's one HTTP client for every upstream (data/llm/http.py), and the model
catalog it keeps.

Timeouts: connecting (waiting for a free connection included) is bounded, and so is the
silence between two pieces of an answer, its head included, but never the whole answer:
a long answer that keeps arriving lives as long as it needs to.

The client is made (and aiohttp imported) on the first request, and proxies named in
the environment are read then: a server that never calls an upstream never pays for
them, and one with an unreachable upstream starts all the same.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

from data.llm.base import (
    Connection,
    Connections,
    TransportError,
    UpstreamBroken,
    UpstreamError,
)
from data.llm.catalog import Catalog, fetch_catalog
from data.llm.settings import UpstreamSettings
from data.llm.streams import (
    Interruptible,
    UpstreamResponse,
    redirected,
    timed_out,
    transport_error,
)

if TYPE_CHECKING:
    from data.llm.http import UpstreamHttp

MAX_LIST_BODY = 32 * 1024 * 1024


class Upstreams:
    def __init__(self, settings: UpstreamSettings):
        self.settings = settings
        self._http: UpstreamHttp | None = None
        self._catalog: Catalog | None = None
        self._catalog_for: Connections | None = None
        self._fetching: asyncio.Future[Catalog] | None = None
        self._fetching_for: Connections | None = None

    @property
    def http(self) -> UpstreamHttp:
        if self._http is None:
            from data.llm.http import EnvironmentProxies, UpstreamHttp  # aiohttp: see there

            settings = self.settings
            self._http = UpstreamHttp(
                connect_timeout=settings.connect_timeout, idle_timeout=settings.idle_timeout,
                max_connections=settings.max_connections, verify_tls=settings.verify_tls,
                proxies=EnvironmentProxies.from_environment())
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # ---- requests ----------------------------------------------------------------------

    async def open(self, connection: Connection, method: str, path: str, body: bytes | None,
                   guard: Interruptible, *, content_type: str | None = None
                   ) -> UpstreamResponse:
        """Send a request and wait for the answer's headers (not its body). A redirect is
        an error: it is never followed (a POST would be sent where nobody configured).
        The body is JSON unless `content_type` says otherwise (a multipart upload)."""
        headers = connection.request_headers()
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            response = await guard.run(self.http.request(
                method, connection.base_url, path, headers, body))
        except TransportError as error:
            raise transport_error(connection, error) from None
        if 300 <= response.status < 400:
            response.close()
            raise redirected(connection, response.status)
        return UpstreamResponse(response, connection, guard)

    async def get_json(self, connection: Connection, path: str, *,
                       secrets: tuple[str, ...] = ()) -> Any:
        """A small JSON answer (model lists, version), within the model-list timeout."""
        try:
            async with asyncio.timeout(self.settings.model_list_timeout):
                answer = await self.open(connection, "GET", path, None, Interruptible())
                if answer.status >= 400:
                    raise await answer.refused(secrets)
                try:
                    body = await answer.read_all(MAX_LIST_BODY)
                finally:
                    await answer.aclose()
        except TimeoutError:
            raise timed_out(connection) from None
        try:
            return json.loads(body)
        except ValueError:
            raise UpstreamBroken(f"{connection.label} answered {path} with something that "
                                 "is not JSON.") from None

    async def exchange(self, connection: Connection, method: str, path: str,
                       body: bytes | None = None, *, content_type: str | None = None,
                       seconds: float | None = None) -> tuple[int, bytes]:
        """A small request and its whole answer, whatever its status (an admin proxy
        relays error answers as they are), within `seconds` (default: the model-list
        timeout)."""
        try:
            async with asyncio.timeout(seconds or self.settings.model_list_timeout):
                answer = await self.open(connection, method, path, body, Interruptible(),
                                         content_type=content_type)
                try:
                    return answer.status, await answer.read_all(MAX_LIST_BODY)
                finally:
                    await answer.aclose()
        except TimeoutError:
            raise timed_out(connection) from None

    # ---- the catalog -------------------------------------------------------------------

    def forget_catalog(self) -> None:
        """After a connection change: the next read asks the upstreams again."""
        self._catalog = None

    async def catalog(self, connections: Connections, *, max_age: float | None = None
                      ) -> Catalog:
        """The merged model list for these connections, no older than `max_age` seconds
        (default: MODELS_CACHE_TTL; 0 asks the upstreams now). Concurrent callers share
        one round of requests."""
        max_age = self.settings.models_cache_ttl if max_age is None else max_age
        cached = self._catalog
        if (cached is not None and (self._catalog_for is connections
                                    or self._catalog_for == connections)
                and time.monotonic() - cached.fetched_at <= max_age):
            return cached
        if self._fetching is None or self._fetching_for != connections:
            self._fetching_for = connections
            self._fetching = asyncio.ensure_future(self._fetch(connections))
        return await asyncio.shield(self._fetching)

    async def _fetch(self, connections: Connections) -> Catalog:
        secrets = connections.secrets()
        try:
            catalog = await fetch_catalog(
                connections, lambda c, path: self.get_json(c, path, secrets=secrets))
        finally:
            if self._fetching_for is connections:
                self._fetching = None
        self._catalog, self._catalog_for = catalog, connections
        return catalog

    async def version(self, connection: Connection) -> str:
        answer = await self.get_json(connection, "/api/version")
        version = answer.get("version") if isinstance(answer, dict) else None
        if not isinstance(version, str):
            raise UpstreamError(f"{connection.label} did not say its version.")
        return version

