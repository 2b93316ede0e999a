"""Parley opens an Open WebUI 0.12.4 database in place: its users sign in, its keys
work, and no Open WebUI table nor `alembic_version` changes. Other heads are refused."""

import httpx
import pytest
from sqlalchemy import inspect, text

from asgi import create_app
from data.db import create_engine
from data.migrate import DatabaseRefused, migrate
from data.settings import database_url as async_url
from tests.conftest import bearer, make_settings
from tests.fixtures.openwebui_db import (
    schema_snapshot,
    seed_openwebui_data,
)


async def _openwebui_database(url: str) -> tuple[dict, dict]:
    """Seed the Open WebUI database at `url`; its data and its schema before Parley."""
    engine = create_engine(async_url(url))
    async with engine.begin() as conn:
        seeded = await conn.run_sync(seed_openwebui_data)
    async with engine.connect() as conn:
        before = await conn.run_sync(schema_snapshot)
    await engine.dispose()
    return seeded, before


async def test_adopts_an_open_webui_database(tmp_path, openwebui_database_url):
    seeded, before = await _openwebui_database(openwebui_database_url)
    app = create_app(make_settings(tmp_path, openwebui_database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ow.test") as client:
            # bcrypt (Open WebUI's default hasher) and argon2 accounts both sign in.
            admin = await client.post("/api/v1/auths/signin", json={
                "email": seeded["admin_email"].upper(), "password": seeded["admin_password"]})
            assert admin.status_code == 200, admin.text
            assert admin.json()["role"] == "admin" and admin.json()["id"] == seeded["admin_id"]
            user = await client.post("/api/v1/auths/signin", json={
                "email": seeded["user_email"], "password": seeded["user_password"]})
            assert user.status_code == 200, user.text
            # The user row without a session stamp keeps working (both null match).
            me = await client.get("/api/v1/auths/", headers=bearer(user.json()["token"]))
            assert me.status_code == 200
            # Open WebUI's plain-text API key works; API keys are on in its config table.
            listed = await client.get("/api/v1/users/", headers=bearer(seeded["api_key"]))
            assert listed.status_code == 200 and listed.json()["total"] == 2
            # Its config table is read, not overwritten by our defaults.
            config = await client.get("/api/v1/auths/admin/config",
                                      headers=bearer(admin.json()["token"]))
            assert config.json()["ENABLE_SIGNUP"] is False
            assert config.json()["ENABLE_API_KEYS"] is True
            # Writing rows the way Open WebUI does is fine: sign out, a new account.
            added = await client.post("/api/v1/auths/add", headers=bearer(admin.json()["token"]),
                                      json={"name": "New", "email": "new@example.com",
                                            "password": "pw-1234", "role": "user"})
            assert added.status_code == 200, added.text
            await client.post("/api/v1/auths/signout", headers=bearer(admin.json()["token"]))
    engine = create_engine(async_url(openwebui_database_url))
    async with engine.connect() as conn:
        after = await conn.run_sync(schema_snapshot)
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        ours = (await conn.execute(text("SELECT version_num FROM parley_alembic_version"))).all()
    await engine.dispose()
    assert after == before
    assert head == [("0bd252b206fb",)]
    assert len(ours) == 1


async def test_refuses_other_open_webui_heads(openwebui_database_url):
    seeded, _ = await _openwebui_database(openwebui_database_url)
    engine = create_engine(async_url(openwebui_database_url))
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'a7d3e9f2b641'"))
    with pytest.raises(DatabaseRefused, match="a7d3e9f2b641.*0.12.4"):
        await migrate(engine)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    await engine.dispose()
    assert "parley_alembic_version" not in tables and "parley_revoked_token" not in tables


async def test_refuses_a_foreign_database(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    with pytest.raises(DatabaseRefused, match="neither Parley's nor an Open WebUI"):
        await migrate(engine)
    await engine.dispose()


async def test_empty_database_gets_parley_schema_and_no_alembic_version(empty_database_url):
    engine = create_engine(async_url(empty_database_url))
    assert await migrate(engine) == "empty"
    assert await migrate(engine) == "parley"
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    await engine.dispose()
    assert "alembic_version" not in tables
    assert {"user", "auth", "chat", "chat_message", "config", "parley_revoked_token"} <= set(tables)
