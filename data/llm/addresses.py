"""How an upstream's base URL is reached: directly, or through a proxy named in the
environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY and their lower-case forms,
read once when the upstream client is made)."""

from __future__ import annotations

import base64
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# The kinds of WireError
SLOW_CONNECT, UNREACHABLE, IDLE, NOT_HTTP, BROKEN = (
    "slow_connect", "unreachable", "idle", "not_http", "broken")


class WireError(Exception):
    """An upstream exchange failed; `kind` says how (slow_connect, unreachable, idle,
    not_http, broken), never what the peer sent."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class EnvironmentProxies:
    def __init__(self, proxies: dict[str, str]):
        self.proxies = proxies
        self._by_origin: dict[tuple[str, str], str | None] = {}

    @classmethod
    def from_environment(cls) -> EnvironmentProxies | None:
        """None when the environment names no proxy (the usual case: no lookups at all)."""
        proxies = {scheme: url for scheme, url in urllib.request.getproxies().items()
                   if scheme in ("http", "https", "all") and url}
        return cls(proxies) if proxies else None

    def for_url(self, url: str) -> str | None:
        """The proxy for this URL, or None when NO_PROXY exempts its host. Decided once per
        origin: the upstreams are a handful of configured addresses."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        if origin not in self._by_origin:
            proxy = self.proxies.get(parts.scheme) or self.proxies.get("all")
            if proxy and urllib.request.proxy_bypass(parts.netloc):
                proxy = None
            self._by_origin[origin] = proxy
        return self._by_origin[origin]


@dataclass(frozen=True)
class Address:
    """How to reach one base URL: decided once, from the URL and the environment."""

    pool: tuple  # connections are shared by addresses with the same key
    dial: tuple[str, int]  # where the socket goes (the proxy, when there is one)
    tls_host: str | None  # TLS to the origin, checked against this name
    host_header: str
    prefix: str  # put before a request's path (absolute-form through a plain proxy)
    connect: bytes | None  # the CONNECT request, for https through a proxy
    proxy_authorization: str | None  # for absolute-form requests through a proxy


def address_for(base_url: str, proxies: EnvironmentProxies | None) -> Address:
    """Raises WireError(unreachable) for a URL that cannot be an upstream's."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WireError(UNREACHABLE)
    tls = parts.scheme == "https"
    try:
        port = parts.port or (443 if tls else 80)
    except ValueError:
        raise WireError(UNREACHABLE) from None
    host = parts.hostname
    host_header = parts.netloc.rpartition("@")[2]
    proxy_url = proxies.for_url(base_url) if proxies is not None else None
    if proxy_url is None:
        return Address(("direct", host, port, tls), (host, port), host if tls else None,
                       host_header, parts.path, None, None)
    proxy = urlsplit(proxy_url if "://" in proxy_url else f"http://{proxy_url}")
    if proxy.scheme != "http" or not proxy.hostname:
        raise WireError(UNREACHABLE)  # only plain HTTP proxies are spoken
    dial = (proxy.hostname, proxy.port or 80)
    auth = None
    if proxy.username is not None:
        pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    if tls:
        connect = (f"CONNECT {host_header} HTTP/1.1\r\nHost: {host_header}\r\n"
                   + (f"Proxy-Authorization: {auth}\r\n" if auth else "") + "\r\n").encode()
        return Address(("tunnel", dial, host, port), dial, host, host_header, parts.path,
                       connect, None)
    return Address(("proxy", dial), dial, None, host_header,
                   f"http://{host_header}{parts.path}", None, auth)
