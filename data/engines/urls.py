"""The rule for engine URLs an administrator configures (images, audio).

Engines usually run on the same host or the local network (ComfyUI on localhost:8188,
AUTOMATIC1111 on a GPU box), so loopback and private addresses are fine. What is refused,
unless the process setting ENGINE_URLS_ALLOW_LINK_LOCAL allows it, is link-local space and
the cloud metadata services living there or under well-known names: an admin account (or
a stolen admin session) must not turn the server into a reader of the instance's cloud
credentials. The check runs when a URL is saved and again, with the host's addresses as
resolved at that moment, before each request (a name can be pointed elsewhere later).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

# Names that reach a metadata service whatever they resolve to from here.
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data",
    "instance-data.ec2.internal", "metadata.azure.internal", "metadata.oraclecloud.com",
})
# Metadata services outside link-local space (Alibaba Cloud; AWS over IPv6).
METADATA_ADDRESSES = frozenset({
    ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254"),
})


class EngineUrlRefused(ValueError):
    """The URL may not be used for an engine; the message says why, in one line."""


def _refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or address in METADATA_ADDRESSES


def _host(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise EngineUrlRefused("The engine URL is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not host:
        raise EngineUrlRefused("The engine URL must be an http:// or https:// URL with a host.")
    return host.rstrip(".").lower()


def check_engine_url(url: str, allow_private: bool) -> str:
    """The URL without a trailing slash when it may be used, else EngineUrlRefused. With
    `allow_private` false, link-local and metadata addresses and names are refused; the
    host's name is not resolved here (see `check_engine_host`)."""
    host = _host(url)
    if not allow_private:
        if host in METADATA_NAMES:
            raise EngineUrlRefused("The engine URL names a cloud metadata service.")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None and _refused_address(address):
            raise EngineUrlRefused("The engine URL points at a link-local or cloud metadata "
                                   "address.")
    return url.strip().rstrip("/")


async def check_engine_host(url: str, allow_private: bool) -> None:
    """Before a request: `check_engine_url`, then every address the host resolves to now.
    A name that does not resolve is left to the request to report (unreachable)."""
    check_engine_url(url, allow_private)
    if allow_private:
        return
    host = _host(url)
    try:
        ipaddress.ip_address(host)
        return  # a literal address was checked above
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None,
                                                              type=socket.SOCK_STREAM)
    except OSError:
        return
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if _refused_address(address):
            raise EngineUrlRefused("The engine URL's host resolves to a link-local or cloud "
                                   "metadata address.")
