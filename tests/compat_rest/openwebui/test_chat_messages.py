"""Message routes: Open WebUI's upsert and delete, our short CRUD routes, the tree rules,
concurrent writers, and Open WebUI writing beside us."""

import asyncio

import pytest
from sqlalchemy import update

from data.tables import ChatRow
from tests.compat_rest.openwebui.test_chats import new_chat, tree
from tests.conftest import bearer
from tests.support.chats import assert_in_step, stored


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


async def add(client, token, chat_id, content, **fields):
    response = await client.post(f"/api/chats/{chat_id}/messages", headers=bearer(token),
                                 json={"content": content, **fields})
    assert response.status_code == 200, response.text
    return response.json()


async def test_upsert_edits_or_creates_as_open_webui_does(client, app, owner):
    chat = await new_chat(client, owner, history=tree(
        ("u1", None, "user", "Hi"), ("a1", "u1", "assistant", "Hello"),
        ("a2", "u1", "assistant", "Hey"), current="a1"))
    path = f"/api/v1/chats/{chat['id']}/messages"
    edited = await client.post(f"{path}/a2", headers=bearer(owner), json={"content": "Hey!"})
    assert edited.status_code == 200
    history = edited.json()["chat"]["history"]
    assert history["messages"]["a2"]["content"] == "Hey!" and history["currentId"] == "a2"
    # A missing message is created under the current one (a user turn after an answer).
    created = await client.post(f"{path}/a3", headers=bearer(owner), json={"content": "New"})
    node = created.json()["chat"]["history"]["messages"]["a3"]
    assert node["parentId"] == "a2" and node["role"] == "user"
    assert created.json()["current_message_id"] == "a3"
    voice = await client.post(f"{path}/a3", headers=bearer(owner),
                              json={"voice": {"name": "alloy"}})
    assert voice.json()["chat"]["history"]["messages"]["a3"]["meta"] == {"voice": {"name":
                                                                                  "alloy"}}
    empty = await client.post(f"{path}/a3", headers=bearer(owner), json={})
    assert empty.status_code == 400
    await assert_in_step(app, chat["id"])


async def test_a_listed_child_is_created_under_the_parent_that_lists_it(client, app, owner):
    history = tree(("u1", None, "user", "Hi"), ("a1", "u1", "assistant", "Hello"))
    chat = await new_chat(client, owner, history=history)
    # Open WebUI's client lists the answer it is about to stream before writing it.
    async with app.state.services.write_sessionmaker() as session:
        blob = (await stored(app, chat["id"]))[0]["chat"]
        blob["history"]["messages"]["u1"]["childrenIds"].append("a2")
        await session.execute(update(ChatRow).where(ChatRow.id == chat["id"]).values(chat=blob))
        await session.commit()
    created = await client.post(f"/api/v1/chats/{chat['id']}/messages/a2",
                                headers=bearer(owner), json={"content": "Another"})
    node = created.json()["chat"]["history"]["messages"]["a2"]
    assert node["parentId"] == "u1" and node["role"] == "assistant"
    await assert_in_step(app, chat["id"])


async def test_delete_removes_direct_children_and_lifts_grandchildren(client, app, owner):
    chat = await new_chat(client, owner, history=tree(
        ("u1", None, "user", "1"), ("a1", "u1", "assistant", "2"),
        ("u2", "a1", "user", "3"), ("a2", "u2", "assistant", "4"),
        ("u3", "a2", "user", "5"), ("x", "u1", "assistant", "side"), current="u3"))
    response = await client.delete(f"/api/v1/chats/{chat['id']}/messages/a1",
                                   headers=bearer(owner))
    assert response.status_code == 200
    messages = response.json()["chat"]["history"]["messages"]
    assert set(messages) == {"u1", "a2", "u3", "x"}
    assert messages["a2"]["parentId"] == "u1"
    assert messages["u1"]["childrenIds"] == ["a2", "x"]
    assert response.json()["chat"]["history"]["currentId"] == "u3"
    await assert_in_step(app, chat["id"])
    gone = await client.delete(f"/api/chats/{chat['id']}/messages/a1", headers=bearer(owner))
    assert gone.status_code == 404
    # Deleting the current message's branch moves currentId to a leaf that still exists.
    response = await client.delete(f"/api/v1/chats/{chat['id']}/messages/a2",
                                   headers=bearer(owner))
    assert response.json()["chat"]["history"]["currentId"] == "x"
    await assert_in_step(app, chat["id"])


async def test_short_routes_give_full_message_crud(client, app, owner):
    chat = await new_chat(client, owner)
    chat_id = chat["id"]
    first = await add(client, owner, chat_id, "Question", id="q")
    assert first["parentId"] is None and first["role"] == "user"
    assert isinstance(first["timestamp"], int) and first["timestamp"] < 10_000_000_000
    await add(client, owner, chat_id, "Answer one", role="assistant", id="a1", model="m1")
    regenerated = await add(client, owner, chat_id, "Answer two", role="assistant", id="a2",
                            parentId="q")
    assert regenerated["parentId"] == "q"
    await add(client, owner, chat_id, "Second topic", parentId=None, id="root2")

    branch = await client.get(f"/api/chats/{chat_id}/messages", headers=bearer(owner))
    assert [m["id"] for m in branch.json()["items"]] == ["root2"]
    switched = await client.post(f"/api/chats/{chat_id}/messages/a2", headers=bearer(owner),
                                 json={"content": "Answer two, edited"})
    assert switched.json()["current_message_id"] == "a2"
    branch = (await client.get(f"/api/chats/{chat_id}/messages",
                               headers=bearer(owner))).json()
    assert [m["id"] for m in branch["items"]] == ["q", "a2"] and branch["total"] == 2
    assert branch["items"][0]["childrenIds"] == ["a1", "a2"]
    whole = (await client.get(f"/api/chats/{chat_id}/messages", headers=bearer(owner),
                              params={"scope": "tree", "limit": 2, "skip": 1})).json()
    assert whole["total"] == 4 and len(whole["items"]) == 2
    tail = (await client.get(f"/api/chats/{chat_id}/messages", headers=bearer(owner),
                             params={"scope": "tree", "from": "end", "limit": 1})).json()
    assert len(tail["items"]) == 1 and tail["total"] == 4
    one = await client.get(f"/api/chats/{chat_id}/messages/a1", headers=bearer(owner))
    assert one.json()["model"] == "m1" and one.json()["content"] == "Answer one"
    missing = await client.get(f"/api/chats/{chat_id}/messages/nope", headers=bearer(owner))
    assert missing.status_code == 404
    for params in ({"limit": 0}, {"limit": 201}, {"skip": -1}, {"scope": "sideways"}):
        bad = await client.get(f"/api/chats/{chat_id}/messages", headers=bearer(owner),
                               params=params)
        assert bad.status_code in (400, 422), params
    await assert_in_step(app, chat_id)


async def test_bad_messages_are_refused_with_nothing_written(client, app, owner):
    chat = await new_chat(client, owner, history=tree(("u", None, "user", "hi")))
    before = await stored(app, chat["id"])
    path = f"/api/chats/{chat['id']}/messages"
    cases = [({"content": "x", "parentId": "ghost"}, 400),
             ({"content": "x", "id": "u"}, 409),
             ({"content": "x", "id": "u" * 129}, 400),
             ({"content": "x" * (4 * 1024 * 1024 + 1)}, 400),
             ({"content": "x", "role": ""}, 400),
             ({"content": 5}, 422), ({}, 422)]
    for body, status in cases:
        response = await client.post(path, headers=bearer(owner), json=body)
        assert response.status_code == status, (body, response.text)
    huge = await client.post(f"/api/v1/chats/{chat['id']}/messages/u", headers=bearer(owner),
                             json={"content": "x" * (4 * 1024 * 1024 + 1)})
    assert huge.status_code == 400
    assert await stored(app, chat["id"]) == before


async def test_concurrent_writers_lose_nothing(client, app, owner):
    chat = await new_chat(client, owner, history=tree(("u", None, "user", "start")))
    await asyncio.gather(*(add(client, owner, chat["id"], f"reply {i}", id=f"r{i}",
                               parentId="u") for i in range(12)))
    history = await assert_in_step(app, chat["id"])
    assert set(history["messages"]["u"]["childrenIds"]) == {f"r{i}" for i in range(12)}


async def test_a_stale_tab_and_open_webui_beside_us_keep_each_others_messages(
        client, app, owner):
    chat = await new_chat(client, owner, history=tree(("u1", None, "user", "Hi"),
                                                      ("a1", "u1", "assistant", "Hello")))
    stale = (await client.get(f"/api/v1/chats/{chat['id']}", headers=bearer(owner))).json()
    # Another tab adds a question; then the stale tab saves its whole chat with its own.
    await add(client, owner, chat["id"], "From tab A", id="tabA")
    history = stale["chat"]["history"]
    history["messages"]["tabB"] = {"id": "tabB", "parentId": "a1", "childrenIds": [],
                                   "role": "user", "content": "From tab B",
                                   "timestamp": 1_760_000_000}
    history["messages"]["a1"]["childrenIds"] = ["tabB"]
    history["currentId"] = "tabB"
    saved = await client.post(f"/api/v1/chats/{chat['id']}", headers=bearer(owner),
                              json={"chat": {"history": history}})
    assert saved.status_code == 200
    assert saved.json()["updated_at"] >= chat["updated_at"]
    merged = await assert_in_step(app, chat["id"])
    assert merged["messages"]["a1"]["childrenIds"] == ["tabA", "tabB"]
    assert merged["currentId"] == "tabB"
    # Open WebUI writes the tree directly; our next write merges into what it stored.
    blob = (await stored(app, chat["id"]))[0]["chat"]
    blob["history"]["messages"]["ow"] = {"id": "ow", "parentId": "tabB", "childrenIds": [],
                                         "role": "assistant", "content": "From Open WebUI",
                                         "timestamp": 1_760_000_100}
    blob["history"]["messages"]["tabB"]["childrenIds"] = ["ow"]
    async with app.state.services.write_sessionmaker() as session:
        await session.execute(update(ChatRow).where(ChatRow.id == chat["id"]).values(chat=blob))
        await session.commit()
    await add(client, owner, chat["id"], "After Open WebUI", id="next")
    merged = await assert_in_step(app, chat["id"])
    assert merged["messages"]["next"]["parentId"] == "ow"
    assert merged["messages"]["ow"]["content"] == "From Open WebUI"
