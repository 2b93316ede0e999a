"""Root fields (and nested fields) that read the database run concurrently in graphql-core
and share their operation's one session: many such queries at once, on a real server,
all answer correctly and leave no connection checked out or inside a transaction."""

import asyncio

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from tests.schema.conftest import auth
from tests.schema.test_chats import Chats

MANY_ROOTS = """
query Many($first: ID!, $second: ID!, $me: ID!) {
  a: chat(id: $first) { id title messages { totalCount } }
  b: chat(id: $second) { id title }
  c: user(id: $me) { id email }
  d: chats(first: 5) { totalCount nodes { id title messages { totalCount } } }
  e: model(id: "no-such-model") { id }
  f: tags { name }
  g: viewer { id }
  h: users(first: 3) { totalCount }
}"""
CONCURRENT_REQUESTS = 24


async def test_many_multi_root_queries_at_once_leave_the_pool_clean(
        app, graphql, accounts, live_server, backend):
    admin = await accounts.admin()
    other = await accounts.user("other@example.com")
    chats = Chats(graphql, admin["token"])
    first = await chats.create(title="First", tags=["alpha"])
    second = await chats.create(title="Second")
    variables = {"first": first, "second": second, "me": admin["id"]}

    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        async def ask() -> httpx.Response:
            return await http.post("/graphql", headers=auth(admin["token"]),
                                   json={"query": MANY_ROOTS, "variables": variables})

        answers = await asyncio.gather(*(ask() for _ in range(CONCURRENT_REQUESTS)))
        for answer in answers:
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert "errors" not in body, body["errors"]
            data = body["data"]
            assert (data["a"]["title"], data["b"]["title"]) == ("First", "Second")
            assert data["c"]["email"] == "admin@example.com" and data["e"] is None
            assert data["d"]["totalCount"] == 2 and data["h"]["totalCount"] == 2
            assert [tag["name"] for tag in data["f"]] == ["alpha"]

        assert app.state.services.engine.pool.checkedout() == 0
        if backend == "postgres":
            assert await _idle_in_transaction(app.state.services.settings.database_url) == 0

        # Another user's ordinary requests are unaffected, over GraphQL and REST.
        mine = await http.post("/graphql", headers=auth(other["token"]),
                               json={"query": "{ viewer { email } chats { totalCount } }"})
        assert mine.json() == {"data": {"viewer": {"email": "other@example.com"},
                                        "chats": {"totalCount": 0}}}
        listed = await http.get("/api/v1/chats/", headers=auth(other["token"]))
        assert listed.status_code == 200 and listed.json() == []


async def _idle_in_transaction(database_url: str) -> int:
    url = make_url(database_url)
    connection = await asyncpg.connect(user=url.username, host=url.host, port=url.port,
                                       database="postgres")
    try:
        return await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
            "AND state LIKE 'idle in transaction%'", url.database)
    finally:
        await connection.close()
