"""The process's one HTTP client for upstream calls: aiohttp (what Open WebUI itself uses,
so the AIOHTTP_* settings keep their meaning), configured for this job.

- Keep-alive connections pooled, at most `max_connections` in use; waiting for a free one
  counts against the connect timeout.
- No request is ever sent twice: aiohttp retries only idempotent methods on a pooled
  connection the server had closed, and upstream calls that generate are POSTs.
- An idle timeout on every wait for data (the answer's head included), never a total one.
- Heads are parsed by llhttp with aiohttp's limits (8190 bytes a line, 128 lines), so a
  runaway header is refused as it arrives, not after it has been buffered.
- Answers are decompressed (gzip, deflate); redirects are not followed (the caller says
  what a redirect means).
- Basic credentials in a base URL (`http://user:pass@host`) are sent as Basic auth, as
  Open WebUI does, unless the connection has a key of its own.
- Proxies from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY), decided once
  per base URL rather than per request; HTTPS goes through a CONNECT tunnel.
- Cookies an upstream sets are never stored: one client serves every user.

Failures are TransportErrors whose `kind` says what happened, never what the peer sent.

Only data/llm/upstreams.py imports this module, when the first upstream call is made:
aiohttp takes a few tenths of a second to import, which a start-up should not pay.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError
from yarl import URL  # aiohttp's own URL type

from data.llm.base import (
    BROKEN,
    IDLE,
    NOT_HTTP,
    SLOW_CONNECT,
    UNREACHABLE,
    TransportError,
)

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy

KEEP_IDLE = 30.0  # seconds an unused connection stays in the pool
USER_AGENT = "Parley"


def transport_kind(error: aiohttp.ClientError | OSError) -> str:
    """What an aiohttp failure means for us."""
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return SLOW_CONNECT  # connecting, or waiting for a free pooled connection
    if isinstance(error, aiohttp.SocketTimeoutError):
        return IDLE
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ClientHttpProxyError
                  | aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return UNREACHABLE  # refused, no route, no such host, a certificate refused
    if isinstance(error, aiohttp.ClientPayloadError):
        # The body broke off: a malformed framing is not HTTP, a short one is a hang-up.
        cause = error.__cause__
        return NOT_HTTP if isinstance(cause, HttpProcessingError) else BROKEN
    if isinstance(error, aiohttp.ClientResponseError):
        return NOT_HTTP  # the head did not parse (or was too large)
    return BROKEN  # the server hung up before answering, a reset, ...


class EnvironmentProxies:
    """The proxies named in the environment, read once, when the client is made."""

    def __init__(self, proxies: dict[str, str]):
        self.proxies = proxies

    @classmethod
    def from_environment(cls) -> EnvironmentProxies | None:
        """None when the environment names no proxy (the usual case: no lookups at all)."""
        proxies = {scheme: url for scheme, url in urllib.request.getproxies().items()
                   if scheme in ("http", "https", "all") and url}
        return cls(proxies) if proxies else None

    def for_url(self, url: str) -> str | None:
        """The proxy for this URL, or None when NO_PROXY exempts its host."""
        parts = urlsplit(url)
        proxy = self.proxies.get(parts.scheme) or self.proxies.get("all")
        if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
            return None
        if proxy and "://" not in proxy:
            proxy = f"http://{proxy}"
        return proxy


@dataclass(frozen=True)
class Target:
    """How one base URL is called, decided once: the URL without its credentials, the
    Basic auth they stand for, and the proxy if any. A proxy's own credentials go in the
    CONNECT request (HTTPS) or beside the request itself (plain HTTP)."""

    base: str
    authorization: str | None
    proxy: URL | None
    proxy_headers: dict[str, str] | None  # for the CONNECT request
    request_headers: dict[str, str]  # for a plain HTTP request through the proxy

    @classmethod
    def of(cls, base_url: str, proxies: EnvironmentProxies | None) -> Target:
        try:
            url = URL(base_url)
        except ValueError:
            raise TransportError(UNREACHABLE) from None
        if url.scheme not in ("http", "https") or not url.host:
            raise TransportError(UNREACHABLE)
        authorization = None
        if url.user is not None:
            authorization = aiohttp.encode_basic_auth(url.user, url.password or "")
            url = url.with_user(None)
        proxy_url = proxies.for_url(base_url) if proxies is not None else None
        proxy = URL(proxy_url) if proxy_url else None
        proxy_headers, request_headers = None, {}
        if proxy is not None and proxy.user is not None:
            credentials = aiohttp.encode_basic_auth(proxy.user, proxy.password or "")
            proxy = proxy.with_user(None)
            if url.scheme == "https":
                proxy_headers = {"Proxy-Authorization": credentials}
            else:
                request_headers = {"Proxy-Authorization": credentials}
        return cls(str(url).rstrip("/"), authorization, proxy, proxy_headers,
                   request_headers)


class UpstreamHttp:
    def __init__(self, *, connect_timeout: float, idle_timeout: float, max_connections: int,
                 verify_tls: bool = True, proxies: EnvironmentProxies | None = None):
        self.proxies = proxies
        self._targets: dict[str, Target] = {}
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=max_connections, limit_per_host=0, keepalive_timeout=KEEP_IDLE,
                ssl=verify_tls),  # True: aiohttp's own verifying context
            timeout=aiohttp.ClientTimeout(total=None, connect=connect_timeout,
                                          sock_connect=connect_timeout,
                                          sock_read=idle_timeout),
            headers={"User-Agent": USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),
            # Environment proxies are resolved once per base URL (below), not per request
            # in a thread as trust_env would; netrc plays no part.
            trust_env=False,
            auto_decompress=True,
            raise_for_status=False)

    async def request(self, method: str, base_url: str, path: str, headers: dict[str, str],
                      body: bytes | None) -> HttpAnswer:
        """Send a request and wait for its answer's head (not its body)."""
        target = self._targets.get(base_url)
        if target is None:
            target = self._targets[base_url] = Target.of(base_url, self.proxies)
        if target.authorization is not None and not any(
                name.lower() == "authorization" for name in headers):
            # Credentials in the URL, as Open WebUI sends them; the connection's key wins.
            headers = {**headers, "Authorization": target.authorization}
        if target.request_headers:
            headers = {**headers, **target.request_headers}
        try:
            return HttpAnswer(await self._session.request(
                method, target.base + path, headers=headers, data=body, proxy=target.proxy,
                proxy_headers=target.proxy_headers, allow_redirects=False))
        except (aiohttp.ClientError, OSError) as error:
            raise TransportError(transport_kind(error)) from None

    async def websocket(self, base_url: str, path: str, headers: dict[str, str],
                        *, max_message: int) -> aiohttp.ClientWebSocketResponse:
        """Open a WebSocket on the same pool and timeouts (ComfyUI reports progress on
        one); `base_url`'s http(s) scheme is used as ws(s)."""
        target = self._targets.get(base_url)
        if target is None:
            target = self._targets[base_url] = Target.of(base_url, self.proxies)
        if target.authorization is not None and "Authorization" not in headers:
            headers = {**headers, "Authorization": target.authorization}
        try:
            return await self._session.ws_connect(
                URL(target.base + path).with_scheme(
                    "wss" if target.base.startswith("https") else "ws"),
                headers=headers, proxy=target.proxy, proxy_headers=target.proxy_headers,
                max_msg_size=max_message, autoping=True, heartbeat=None)
        except (aiohttp.ClientError, OSError) as error:
            raise TransportError(transport_kind(error)) from None

    async def aclose(self) -> None:
        await self._session.close()


class HttpAnswer:
    """An answer whose head has arrived; its body is read with `read()`. Once the body
    has arrived whole, aiohttp gives the connection back to the pool by itself; `close()`
    before that closes the connection, which is what tells the upstream to stop."""

    def __init__(self, response: aiohttp.ClientResponse):
        self.raw = response
        self.status: int = response.status
        self.headers: CIMultiDictProxy[str] = response.headers

    async def read(self) -> bytes | None:
        """What has arrived of the body (decompressed; waiting if nothing has), None at
        its end."""
        try:
            return await self.raw.content.readany() or None
        except (aiohttp.ClientError, OSError) as error:
            raise TransportError(transport_kind(error)) from None

    def close(self) -> None:
        self.raw.close()
