"""Shared fixtures: every data test runs on SQLite and on PostgreSQL.

`app` is a fully started application (migrated database, runtime config seeded) on a
database of its own (`database_url`, a copy of one migrated once per run; tests of
migration take `empty_database_url` or `openwebui_database_url`); `client` talks to it
over ASGI. Helpers sign users up through the real routes, so tests build state the way
users do.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from asgi import create_app
from data.settings import Settings, load_settings
from tests.fixtures.openwebui_db import build_openwebui_database
from tests.support.databases import (
    Dropper,
    TemplateCopies,
    create_pg_database,
    migrated,
)
from tests.support.server import CHEAP_PASSWORD_HASHING

BACKENDS = ["sqlite", "postgres"]

# Properties of plain functions run 200 examples each (twice hypothesis' default; the 300
# and 500 some had took 2-8 s a test for nothing they had ever found beyond 200), and no
# deadline, which a busy machine would miss. Tests through the app on a database set their
# own smaller counts. HYPOTHESIS_PROFILE=thorough runs ten times as many.
hypothesis_settings.register_profile("parley", max_examples=200, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "parley"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
async def dropper() -> AsyncIterator[Dropper]:
    """Drops this run's PostgreSQL databases in the background; waits for them at the end."""
    dropper = Dropper()
    try:
        yield dropper
    finally:
        await dropper.close()


@pytest.fixture(scope="session")
async def migrated_databases(tmp_path_factory, dropper) -> AsyncIterator[TemplateCopies]:
    copies = TemplateCopies(tmp_path_factory.mktemp("parley"), "parley", migrated, dropper)
    try:
        yield copies
    finally:
        await copies.close()


@pytest.fixture(scope="session")
async def openwebui_databases(tmp_path_factory, dropper) -> AsyncIterator[TemplateCopies]:
    copies = TemplateCopies(tmp_path_factory.mktemp("openwebui"), "openwebui",
                            build_openwebui_database, dropper)
    try:
        yield copies
    finally:
        await copies.close()


async def _copy_of_own(copies: TemplateCopies, backend: str, tmp_path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield await copies.sqlite(tmp_path / "webui.db")
        return
    url = await copies.postgres()
    try:
        yield url
    finally:
        copies.drop_later(url)


@pytest.fixture
async def database_url(backend: str, tmp_path, migrated_databases) -> AsyncIterator[str]:
    """A database of this test's own, already at Parley's head."""
    async for url in _copy_of_own(migrated_databases, backend, tmp_path):
        yield url


@pytest.fixture
async def openwebui_database_url(backend: str, tmp_path, openwebui_databases
                                 ) -> AsyncIterator[str]:
    """A database of this test's own with Open WebUI 0.12.4's schema and no rows."""
    async for url in _copy_of_own(openwebui_databases, backend, tmp_path):
        yield url


@pytest.fixture
async def empty_database_url(backend: str, tmp_path, dropper) -> AsyncIterator[str]:
    """A database of this test's own with nothing in it, for tests of migration."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'webui.db'}"
        return
    url = await create_pg_database()
    try:
        yield url
    finally:
        dropper.later(url)


# Apps in tests sweep for orphaned runs at start-up only: a periodic round landing inside
# a test that counts SQL statements would be counted. Tests of leases set their own.
NO_PERIODIC_SWEEPS = {"RUN_HEARTBEAT_INTERVAL": "600", "RUN_LEASE_TIMEOUT": "1200"}


def make_settings(tmp_path, database_url: str, **env: str) -> Settings:
    base = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
            "WEBUI_SECRET_KEY": "test-secret-key-0123456789abcdef", **CHEAP_PASSWORD_HASHING,
            **NO_PERIODIC_SWEEPS}
    return load_settings(base | env)


@pytest.fixture
def env_overrides() -> dict[str, str]:
    """Override in a test module to start the app with other environment values."""
    return {}


@pytest.fixture
def settings(tmp_path, database_url, env_overrides) -> Settings:
    return make_settings(tmp_path, database_url, **env_overrides)


@pytest.fixture
async def app(settings):
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


class Accounts:
    """Sign users up through the REST routes and hand back their tokens."""

    def __init__(self, client: httpx.AsyncClient):
        self.client = client
        self.admin_token: str | None = None

    async def admin(self, email: str = "admin@example.com", password: str = "admin-pass-1"):
        response = await self.client.post("/api/v1/auths/signup", json={
            "name": "Ada Admin", "email": email, "password": password})
        assert response.status_code == 200, response.text
        self.client.cookies.clear()  # tests authenticate only as they say
        body = response.json()
        assert body["role"] == "admin"
        self.admin_token = body["token"]
        return body

    async def user(self, email: str, password: str = "user-pass-1", role: str = "user",
                   name: str = "Una User"):
        assert self.admin_token, "create the admin first"
        response = await self.client.post(
            "/api/v1/auths/add", headers=bearer(self.admin_token),
            json={"name": name, "email": email, "password": password, "role": role})
        assert response.status_code == 200, response.text
        signin = await self.client.post("/api/v1/auths/signin",
                                        json={"email": email, "password": password})
        assert signin.status_code == 200, signin.text
        self.client.cookies.clear()
        return signin.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def accounts(client) -> Accounts:
    return Accounts(client)


os.environ.setdefault("PARLEY_TESTING", "1")
