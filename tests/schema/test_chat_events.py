"""`chatEvents` over a real WebSocket (gql): the owner follows a chat's changes, from this
instance (memory://) and from another instance on the same database (redis://); nobody
else may follow it."""

import asyncio
import contextlib

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from asgi import create_app
from tests.compat_rest.openwebui.test_chats import new_chat, tree
from tests.conftest import bearer, make_settings
from tests.schema.test_websocket import TRANSPORT_WS, ws_url
from tests.support.databases import REDIS_URL, service_missing
from tests.support.server import serving_in_loop

EVENTS = "subscription($id: ID!) { chatEvents(chatId: $id) { kind chatId messageId } }"


def subscriber(base: str, token: str) -> Client:
    transport = WebsocketsTransport(url=ws_url(base), subprotocols=[TRANSPORT_WS],
                                    init_payload={"Authorization": f"Bearer {token}"})
    return Client(transport=transport)


async def follow(base: str, token: str, chat_id: str, into: asyncio.Queue) -> None:
    async with subscriber(base, token) as session:
        request = GraphQLRequest(EVENTS, variable_values={"id": chat_id})
        async for result in session.subscribe(request):
            await into.put(result["chatEvents"])


async def subscribed(client, token, chat_id, events: asyncio.Queue) -> None:
    """Add probe messages until one's event arrives: the subscription is live from then
    on. A chat's events arrive in the order they were published, so the probes before
    the first one seen were published before the subscription and never come; the ones
    after it are read here, and the test's own events come next."""
    path = f"/api/chats/{chat_id}/messages"
    for sent in range(50):
        await client.post(path, headers=bearer(token),
                          json={"content": "probe", "id": f"probe-{sent}"})
        try:
            first = await asyncio.wait_for(events.get(), 0.2)
        except TimeoutError:
            continue
        seen = int(first["messageId"].removeprefix("probe-"))
        for later in range(seen + 1, sent + 1):
            assert await next_kinds(events, 1) == [("MESSAGE_ADDED", f"probe-{later}")]
        return
    raise AssertionError("the subscription never delivered")


async def next_kinds(events: asyncio.Queue, count: int) -> list[tuple[str, str | None]]:
    got = [await asyncio.wait_for(events.get(), 5) for _ in range(count)]
    return [(e["kind"], e["messageId"]) for e in got]


async def test_the_owner_follows_a_chat_until_it_is_deleted(client, accounts, live_server):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    chat = await new_chat(client, owner, history=tree(("u", None, "user", "hi")))
    events: asyncio.Queue = asyncio.Queue()
    task = asyncio.create_task(follow(live_server, owner, chat["id"], events))
    try:
        await subscribed(client, owner, chat["id"], events)
        path = f"/api/chats/{chat['id']}/messages"
        await client.post(path, headers=bearer(owner), json={"content": "next", "id": "n"})
        await client.post(f"{path}/n", headers=bearer(owner), json={"content": "edited"})
        await client.post(f"/api/v1/chats/{chat['id']}/archive", headers=bearer(owner))
        await client.delete(f"{path}/n", headers=bearer(owner))
        await client.delete(f"/api/chats/{chat['id']}", headers=bearer(owner))
        assert await next_kinds(events, 5) == [
            ("MESSAGE_ADDED", "n"), ("MESSAGE_UPDATED", "n"), ("CHAT_UPDATED", None),
            ("MESSAGE_DELETED", "n"), ("CHAT_DELETED", None)]
        await asyncio.wait_for(task, 5)  # the stream completes after the deletion
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_rolled_back_write_publishes_nothing(client, accounts, live_server):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    chat = await new_chat(client, owner, history=tree(("u", None, "user", "hi")))
    events: asyncio.Queue = asyncio.Queue()
    task = asyncio.create_task(follow(live_server, owner, chat["id"], events))
    try:
        await subscribed(client, owner, chat["id"], events)
        refused = await client.post(f"/api/chats/{chat['id']}/messages", headers=bearer(owner),
                                    json={"content": "x", "parentId": "ghost"})
        assert refused.status_code == 400
        await client.post(f"/api/chats/{chat['id']}/messages", headers=bearer(owner),
                          json={"content": "ok", "id": "ok"})
        assert await next_kinds(events, 1) == [("MESSAGE_ADDED", "ok")]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_only_the_owner_may_follow(client, accounts, live_server):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    chat = await new_chat(client, owner)
    for token in (accounts.admin_token, (await accounts.user("x@example.com"))["token"]):
        with pytest.raises(TransportQueryError) as refused:
            await asyncio.wait_for(follow(live_server, token, chat["id"], asyncio.Queue()), 5)
        assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


@pytest.fixture
async def redis_available():
    import redis.asyncio as redis

    connection = redis.from_url(REDIS_URL)
    try:
        await connection.ping()
    except (OSError, redis.RedisError) as error:
        service_missing("Redis", error)
    finally:
        await connection.aclose()


@pytest.mark.redis
@pytest.mark.parametrize("env_overrides", [{"PUBSUB_URL": REDIS_URL}], ids=["redis"])
async def test_events_cross_instances_over_redis(redis_available, client, accounts, tmp_path,
                                                 database_url, env_overrides):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    chat = await new_chat(client, owner)
    other = create_app(make_settings(tmp_path / "b", database_url, PUBSUB_URL=REDIS_URL))
    async with other.router.lifespan_context(other), serving_in_loop(other) as instance_b:
        events: asyncio.Queue = asyncio.Queue()
        task = asyncio.create_task(follow(instance_b, owner, chat["id"], events))
        try:
            # Writes go to instance A (the `client` app); the follower sits on B.
            await subscribed(client, owner, chat["id"], events)
            await client.post(f"/api/chats/{chat['id']}/messages", headers=bearer(owner),
                              json={"content": "from A", "id": "a"})
            assert await next_kinds(events, 1) == [("MESSAGE_ADDED", "a")]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
