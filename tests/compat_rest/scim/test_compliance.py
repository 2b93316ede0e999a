"""The scim2-tester compliance checker, run against a real server: every check passes.

It discovers the server from its own ServiceProviderConfig, ResourceTypes and Schemas,
then creates, reads, lists, searches, projects, replaces, patches (add, replace and
remove of every attribute the schemas publish) and deletes Users and Groups."""

import asyncio
from collections import Counter

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.compat_rest.scim.conftest import TOKEN
from tests.support.server import serving_in_loop


def _check(url: str):
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"},
                       timeout=30) as http:
        return check_server(SyncSCIMClient(http))


# Each run takes seconds. Both mounts serve one route table, so the second mount is
# checked on one backend (the stricter PostgreSQL); the databases differ in what they
# store and match, so both are checked on the primary mount.
@pytest.mark.parametrize("backend, prefix", [("postgres", "/scim/v2"),
                                             ("postgres", "/api/v1/scim/v2"),
                                             ("sqlite", "/scim/v2")])
async def test_every_scim2_tester_check_passes(app, accounts, prefix):
    await accounts.admin()  # a server in use: the checker's users are not the first
    async with serving_in_loop(app) as base:
        # The checker's client is synchronous; it runs beside the server's event loop.
        results = await asyncio.to_thread(_check, base + prefix)
    failures = [f"{r.resource_type} {r.title}: {r.reason}" for r in results
                if r.status is not Status.SUCCESS]
    assert failures == []
    counted = Counter(r.resource_type for r in results)
    assert counted["User"] >= 60 and counted["Group"] >= 15, counted
