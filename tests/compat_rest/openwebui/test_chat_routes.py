"""Chat routes Open WebUI's web client calls besides the core ones: chats by tag name,
PATCH of a chat and of its params, and the message event route."""

import asyncio

from data.pubsub import chat_channel
from tests.compat_rest.openwebui.test_chats import new_chat, owner, tree  # noqa: F401
from tests.conftest import bearer
from tests.support.chats import stored

V1 = "/api/v1/chats"


async def test_chats_by_tag_name(client, owner):  # noqa: F811
    headers = bearer(owner)
    tagged = [await new_chat(client, owner, f"Tagged {i}") for i in range(3)]
    await new_chat(client, owner, "Plain")
    for chat in tagged:
        added = await client.post(f"{V1}/{chat['id']}/tags", headers=headers,
                                  json={"name": "Road Trip"})
        assert added.status_code == 200, added.text
    found = await client.post(f"{V1}/tags", headers=headers, json={"name": "road trip"})
    assert found.status_code == 200, found.text
    assert sorted(c["title"] for c in found.json()) == ["Tagged 0", "Tagged 1", "Tagged 2"]
    assert set(found.json()[0]) == {"id", "title", "updated_at", "created_at",
                                    "last_read_at", "snippet", "active", "archived"}
    page = await client.post(f"{V1}/tags", headers=headers,
                             json={"name": "Road Trip", "skip": 1, "limit": 1})
    assert len(page.json()) == 1
    none = await client.post(f"{V1}/tags", headers=headers, json={"name": "nothing"})
    assert none.status_code == 200 and none.json() == []
    assert (await client.post(f"{V1}/tags", headers=headers, json={})).status_code == 422
    for bad in ({"skip": -1}, {"skip": 2**62}, {"limit": 10**30}):
        refused = await client.post(f"{V1}/tags", headers=headers, json={"name": "x", **bad})
        assert refused.status_code == 422, bad
    assert (await client.post(f"{V1}/tags", json={"name": "x"})).status_code == 401


async def test_patch_merges_like_post(app, client, owner):  # noqa: F811
    history = tree(("u1", None, "user", "Hi"))
    chat = await new_chat(client, owner, "Before", history=history)
    patched = await client.patch(f"{V1}/{chat['id']}", headers=bearer(owner),
                                 json={"chat": {"title": "After", "system": "Be brief."}})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["title"] == "After" and body["chat"]["system"] == "Be brief."
    assert body["chat"]["models"] == ["m"] and "u1" in body["chat"]["history"]["messages"]
    row, _ = await stored(app, chat["id"])
    assert row["title"] == "After"
    other = await client.patch(f"{V1}/{chat['id']}", json={"chat": {}},
                               headers=bearer((await _stranger(client))["token"]))
    assert other.status_code == 401


async def test_patch_params_merges_into_the_chats_params(client, owner):  # noqa: F811
    chat = await new_chat(client, owner, params={"temperature": 0.2, "seed": 1})
    merged = await client.patch(f"{V1}/{chat['id']}/params", headers=bearer(owner),
                                json={"temperature": 0.9, "top_p": 0.5})
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"temperature": 0.9, "seed": 1, "top_p": 0.5}
    again = await client.get(f"{V1}/{chat['id']}", headers=bearer(owner))
    assert again.json()["chat"]["params"] == merged.json()
    bad = await client.patch(f"{V1}/{chat['id']}/params", headers=bearer(owner), json=[1])
    assert bad.status_code == 422
    missing = await client.patch(f"{V1}/no-such-chat/params", headers=bearer(owner), json={})
    assert missing.status_code == 401


async def test_message_events_reach_the_chats_followers(app, client, owner):  # noqa: F811
    chat = await new_chat(client, owner, history=tree(("u1", None, "user", "Hi")))
    url = f"{V1}/{chat['id']}/messages/u1/event"
    event = {"type": "status", "data": {"description": "Searching", "done": False}}
    async with app.state.services.pubsub.subscribe(chat_channel(chat["id"])) as events:
        sent = await client.post(url, headers=bearer(owner), json=event)
        assert sent.status_code == 200 and sent.json() is True
        received = await asyncio.wait_for(_next_relayed(events), timeout=5)
    assert received == {"kind": "message.event", "chat_id": chat["id"], "message_id": "u1",
                        **event}
    stranger = await _stranger(client)
    refused = await client.post(url, headers=bearer(stranger["token"]), json=event)
    assert refused.status_code == 401
    assert (await client.post(url, headers=bearer(owner), json={"type": "x"})).status_code == 422
    huge = {"type": "status", "data": {"text": "x" * 5000}}
    assert (await client.post(url, headers=bearer(owner), json=huge)).status_code == 400


async def _stranger(client) -> dict:
    response = await client.post("/api/v1/auths/add", json={
        "name": "Stranger", "email": "stranger@example.com", "password": "pass-1",
        "role": "user"}, headers=bearer(await _admin_token(client)))
    assert response.status_code == 200, response.text
    return response.json()


async def _admin_token(client) -> str:
    signin = await client.post("/api/v1/auths/signin", json={
        "email": "admin@example.com", "password": "admin-pass-1"})
    client.cookies.clear()
    return signin.json()["token"]


async def _next_relayed(events) -> dict:
    """The next message.event (the chat's creation may still be on its way)."""
    async for event in events:
        if event["kind"] == "message.event":
            return event
    raise AssertionError("the subscription ended")
