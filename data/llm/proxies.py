"""Proxies named in the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY, and
their lower-case forms), read once when the upstream client is made."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit


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
