"""The scim2-tester compliance checker, run against a real server: every check passes.

It discovers the server from its own ServiceProviderConfig, ResourceTypes and Schemas,
then creates, reads, lists, searches, projects, replaces, patches (add, replace and
remove of every attribute the schemas publish) and deletes Users and Groups."""

import asyncio
import contextlib
import socket
from collections import Counter

import httpx2
import pytest
import uvicorn
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.compat_rest.scim.conftest import TOKEN


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(app):
    """The started app behind uvicorn on this event loop; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


def _check(url: str):
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"},
                       timeout=30) as http:
        return check_server(SyncSCIMClient(http))


@pytest.mark.parametrize("prefix", ["/scim/v2", "/api/v1/scim/v2"])
async def test_every_scim2_tester_check_passes(app, accounts, prefix):
    await accounts.admin()  # a server in use: the checker's users are not the first
    async with serving(app) as base:
        # The checker's client is synchronous; it runs beside the server's event loop.
        results = await asyncio.to_thread(_check, base + prefix)
    failures = [f"{r.resource_type} {r.title}: {r.reason}" for r in results
                if r.status is not Status.SUCCESS]
    assert failures == []
    counted = Counter(r.resource_type for r in results)
    assert counted["User"] >= 60 and counted["Group"] >= 15, counted
