"""The sign-in limit (15 attempts per e-mail per 3 minutes) holds for all instances of a
deployment together: attempts are counted in Redis when the deployment has it, else in
the database every instance shares."""

import asyncio
import contextlib

import httpx
import pytest
import redis.asyncio as redis
from sqlalchemy import text

from asgi import create_app
from data.db import create_engine
from data.rate_counts import RedisCounts
from data.settings import database_url as async_url
from resolvers.auth.ratelimit import SharedLimit
from tests.conftest import make_settings
from tests.support.brokers import own_prefix
from tests.support.databases import REDIS_URL

STORES = {"database": {}, "redis": {"PUBSUB_URL": REDIS_URL}}


@contextlib.asynccontextmanager
async def instances(tmp_path, database_url: str, env: dict[str, str]):
    """Two apps on one database (and broker): clients to each."""
    apps = [create_app(make_settings(tmp_path / name, database_url, **env)) for name in "ab"]
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients.append(await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://parley.test")))
        yield clients


async def stored_windows(database_url: str) -> int:
    engine = create_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM parley_rate_limit"))).scalar()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("store", list(STORES))
async def test_two_instances_enforce_one_limit_together(store, tmp_path, database_url):
    prefix = own_prefix()
    env = STORES[store] | {"REDIS_KEY_PREFIX": prefix}
    async with instances(tmp_path, database_url, env) as (a, b):
        signup = await a.post("/api/v1/auths/signup", json={
            "name": "Ada", "email": "ada@example.com", "password": "right-pass-1"})
        assert signup.status_code == 200

        async def sign_in(client, password="wrong", email="ada@example.com"):
            return await client.post("/api/v1/auths/signin",
                                     json={"email": email, "password": password})

        # Attempts on both instances at once: counted together, none lost.
        tried = await asyncio.gather(*(sign_in(a if n % 2 else b) for n in range(15)))
        assert [r.status_code for r in tried] == [400] * 15
        for client in (a, b):
            limited = await sign_in(client, "right-pass-1")
            assert limited.status_code == 429, limited.text
            assert 0 < int(limited.headers["retry-after"]) <= 180
        assert (await sign_in(b, email="someone@example.com")).status_code == 400

    if store == "redis":  # in the deployment's namespace, and nothing in the database
        connection = redis.from_url(REDIS_URL)
        try:
            keys = await connection.keys(f"{prefix}:ratelimit:signin:*")
            assert len(keys) == 2 and all(b"example" not in k for k in keys)
            assert all(0 < left <= 180_000 for left in [await connection.pttl(k) for k in keys])
            await connection.delete(*keys)
        finally:
            await connection.aclose()
        assert await stored_windows(database_url) == 0
    else:
        assert await stored_windows(database_url) == 2


async def test_the_window_ends_and_counting_starts_again(tmp_path, database_url):
    env = {"SIGNIN_RATE_LIMIT": "2", "REDIS_KEY_PREFIX": own_prefix()}
    async with instances(tmp_path, database_url, env) as (a, b):
        await a.post("/api/v1/auths/signup", json={
            "name": "Ada", "email": "ada@example.com", "password": "right-pass-1"})
        engine = create_engine(async_url(database_url))
        try:
            body = {"email": "ada@example.com", "password": "wrong"}
            statuses = [(await c.post("/api/v1/auths/signin", json=body)).status_code
                        for c in (a, b, a)]
            assert statuses == [400, 400, 429]
            async with engine.begin() as conn:  # the window ends (as 3 minutes would)
                await conn.execute(text("UPDATE parley_rate_limit SET expires_at = 0"))
            body["password"] = "right-pass-1"
            assert (await b.post("/api/v1/auths/signin", json=body)).status_code == 200
        finally:
            await engine.dispose()


async def test_sign_up_and_sign_in_in_one_graphql_operation(tmp_path, database_url):
    """A write operation holds SQLite's one write lock: its sign-in counts inside it."""
    document = """mutation($up: SignUpInput!, $in: SignInInput!) {
      signUp(input: $up) { __typename } signIn(input: $in) { __typename } }"""
    person = {"email": "ada@example.com", "password": "right-pass-1"}
    async with instances(tmp_path, database_url, {"REDIS_KEY_PREFIX": own_prefix()}) as (a, _):
        response = await asyncio.wait_for(a.post("/graphql", json={"query": document,
            "variables": {"up": {"name": "Ada", **person}, "in": person}}), 10)
        assert response.json()["data"] == {"signUp": {"__typename": "AuthSession"},
                                           "signIn": {"__typename": "AuthSession"}}
    assert await stored_windows(database_url) == 1


async def test_with_redis_unreachable_the_database_counts(app, client, database_url):
    services = app.state.services
    counts = RedisCounts("redis://127.0.0.1:1/0", own_prefix())  # nothing listens there
    services.signin_limiter = SharedLimit("signin", 2, 180, counts=counts,
                                          sessionmaker=services.write_sessionmaker)
    try:
        body = {"email": "ada@example.com", "password": "wrong"}
        statuses = [(await client.post("/api/v1/auths/signin", json=body)).status_code
                    for _ in range(3)]
    finally:
        await counts.close()
    assert statuses == [400, 400, 429]
    assert await stored_windows(database_url) == 1
