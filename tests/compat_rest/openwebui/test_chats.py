"""Open WebUI's chat routes and the documented short routes: shapes, lists, the archive
and pin toggles, tags, shares, and refusals."""

import uuid

import pytest

from data.tables import FolderRow
from tests.conftest import bearer
from tests.support.chats import assert_in_step, stored

TITLE_ITEM = {"id", "title", "updated_at", "created_at", "last_read_at", "snippet", "active",
              "archived"}


def tree(*nodes: tuple[str, str | None, str, str], current: str | None = None) -> dict:
    """A history from (id, parent, role, content), children in the given order."""
    messages = {m: {"id": m, "parentId": p, "childrenIds": [], "role": r, "content": c,
                    "timestamp": 1_750_000_000 + i} for i, (m, p, r, c) in enumerate(nodes)}
    for m, p, _, _ in nodes:
        if p is not None:
            messages[p]["childrenIds"].append(m)
    return {"messages": messages, "currentId": current or (nodes[-1][0] if nodes else None)}


async def make_folder(app, user_id: str, name: str = "Work") -> str:
    """Folders are Open WebUI's to create (its folder routes are not served here)."""
    async with app.state.services.write_sessionmaker() as session:
        folder = FolderRow(id=str(uuid.uuid4()), user_id=user_id, name=name, created_at=1,
                           updated_at=1)
        session.add(folder)
        await session.commit()
    return folder.id


async def new_chat(client, token, title="Chat", history=None, **extra) -> dict:
    body = {"chat": {"title": title, "models": ["m"], "history": history or tree(), **extra}}
    response = await client.post("/api/v1/chats/new", headers=bearer(token), json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


async def test_create_read_update_delete(client, app, owner):
    history = tree(("u1", None, "user", "Hi"), ("a1", "u1", "assistant", "Hello"))
    chat = await new_chat(client, owner, "First", history, timestamp=1_750_000_000_000)
    assert chat["title"] == "First" and chat["current_message_id"] == "a1"
    assert chat["archived"] is False and chat["pinned"] is False and chat["share_id"] is None
    assert chat["chat"]["timestamp"] == 1_750_000_000_000  # the client's milliseconds, kept
    await assert_in_step(app, chat["id"])

    got = await client.get(f"/api/v1/chats/{chat['id']}", headers=bearer(owner))
    assert got.status_code == 200
    assert got.json()["chat"]["share_mode"] == "continue"
    assert got.json()["chat"]["history"]["messages"]["a1"]["content"] == "Hello"
    short = await client.get(f"/api/chats/{chat['id']}", headers=bearer(owner))
    assert short.json() == got.json()

    renamed = await client.post(f"/api/chats/{chat['id']}", headers=bearer(owner),
                                json={"chat": {"title": "Renamed"}})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed"
    # Only a change of messages moves updated_at, as in Open WebUI.
    assert renamed.json()["updated_at"] == chat["updated_at"]
    assert renamed.json()["chat"]["models"] == ["m"]

    deleted = await client.delete(f"/api/v1/chats/{chat['id']}", headers=bearer(owner))
    assert deleted.status_code == 200 and deleted.json() is True
    assert await stored(app, chat["id"]) == (None, {})
    again = await client.delete(f"/api/chats/{chat['id']}", headers=bearer(owner))
    assert again.status_code == 404


async def test_lists_follow_open_webuis_filters(client, app, owner):
    ids = {}
    for name in ("plain", "pinned", "foldered", "archived"):
        ids[name] = (await new_chat(client, owner, name))["id"]
    await client.post(f"/api/v1/chats/{ids['pinned']}/pin", headers=bearer(owner))
    await client.post(f"/api/v1/chats/{ids['archived']}/archive", headers=bearer(owner))
    folder_id = await make_folder(app, await _me(client, owner))
    ignored = await client.post(f"/api/v1/chats/{ids['foldered']}", headers=bearer(owner),
                                json={"chat": {"title": "foldered"}, "folder_id": folder_id})
    assert ignored.json()["folder_id"] is None  # as in Open WebUI: not on this route
    moved = await client.post(f"/api/v1/chats/{ids['foldered']}/folder", headers=bearer(owner),
                              json={"folder_id": folder_id})
    assert moved.status_code == 200 and moved.json()["folder_id"] == folder_id
    unknown = await client.post(f"/api/v1/chats/{ids['plain']}/folder", headers=bearer(owner),
                                json={"folder_id": "not-a-folder"})
    assert unknown.status_code == 404

    def titles(response):
        assert response.status_code == 200, response.text
        assert all(set(item) == TITLE_ITEM for item in response.json())
        return sorted(item["title"] for item in response.json())

    assert titles(await client.get("/api/v1/chats/", headers=bearer(owner))) == ["plain"]
    assert titles(await client.get("/api/v1/chats/list", headers=bearer(owner),
                                   params={"include_pinned": "true",
                                           "include_folders": "true"})) == \
        ["foldered", "pinned", "plain"]
    assert titles(await client.get("/api/v1/chats/pinned", headers=bearer(owner))) == ["pinned"]
    assert titles(await client.get("/api/v1/chats/archived", headers=bearer(owner))) == \
        ["archived"]
    by_title = await client.get("/api/chats", headers=bearer(owner),
                                params={"page": 1, "sort_by": "title", "sort_dir": "desc",
                                        "include_folders": "true"})
    assert [c["title"] for c in by_title.json()] == ["plain", "foldered"]
    assert (await client.get("/api/v1/chats/", headers=bearer(owner),
                             params={"page": 2})).json() == []
    assert (await client.get("/api/v1/chats/", headers=bearer(owner),
                             params={"page": "0"})).status_code == 422
    assert (await client.get("/api/v1/chats/", headers=bearer(owner),
                             params={"sort_by": "owner"})).status_code == 400


async def _me(client, token) -> str:
    return (await client.get("/api/v1/auths/", headers=bearer(token))).json()["id"]


async def test_archive_and_pin_are_toggles(client, app, owner):
    chat = await new_chat(client, owner)
    path = f"/api/v1/chats/{chat['id']}"
    folder_id = await make_folder(app, await _me(client, owner))
    await client.post(f"{path}/folder", headers=bearer(owner), json={"folder_id": folder_id})
    archived = await client.post(f"{path}/archive", headers=bearer(owner))
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert archived.json()["folder_id"] is None  # archiving takes it out of its folder
    restored = await client.post(f"/api/chats/{chat['id']}/archive", headers=bearer(owner))
    assert restored.json()["archived"] is False
    assert (await client.post(f"{path}/pin", headers=bearer(owner))).json()["pinned"] is True
    assert (await client.get(f"{path}/pinned", headers=bearer(owner))).json() is True
    assert (await client.post(f"{path}/pin", headers=bearer(owner))).json()["pinned"] is False


async def test_tags_are_per_user_and_vanish_when_unused(client, owner):
    first, second = await new_chat(client, owner, "one"), await new_chat(client, owner, "two")
    for chat in (first, second):
        added = await client.post(f"/api/v1/chats/{chat['id']}/tags", headers=bearer(owner),
                                  json={"name": "Deep Work"})
        assert added.status_code == 200
    assert [t["id"] for t in added.json()] == ["deep_work"]
    assert added.json()[0]["name"] == "Deep Work"
    listed = await client.get(f"/api/v1/chats/{first['id']}/tags", headers=bearer(owner))
    assert [t["id"] for t in listed.json()] == ["deep_work"]
    found = await client.get("/api/v1/chats/search", headers=bearer(owner),
                             params={"text": "tag:deep_work"})
    assert sorted(c["title"] for c in found.json()) == ["one", "two"]
    none = await client.post(f"/api/v1/chats/{first['id']}/tags", headers=bearer(owner),
                             json={"name": "None"})
    assert none.status_code == 400
    await client.request("DELETE", f"/api/v1/chats/{first['id']}/tags", headers=bearer(owner),
                         json={"name": "Deep Work"})
    assert [t["id"] for t in (await client.get("/api/v1/chats/all/tags",
                                               headers=bearer(owner))).json()] == ["deep_work"]
    await client.delete(f"/api/v1/chats/{second['id']}", headers=bearer(owner))
    assert (await client.get("/api/v1/chats/all/tags", headers=bearer(owner))).json() == []


async def test_search_reads_titles_and_message_contents(client, owner):
    await new_chat(client, owner, "Trip planning")
    await new_chat(client, owner, "Other", tree(("u", None, "user", "Où est la gare?")))
    found = await client.get("/api/v1/chats/search", headers=bearer(owner),
                             params={"text": "TRIP"})
    assert [c["title"] for c in found.json()] == ["Trip planning"]
    found = await client.get("/api/v1/chats/search", headers=bearer(owner),
                             params={"text": "où est"})
    assert [c["title"] for c in found.json()] == ["Other"]
    assert (await client.get("/api/v1/chats/search", headers=bearer(owner))).status_code == 422


async def test_a_share_is_a_snapshot_for_signed_in_users(client, accounts, owner):
    reader = (await accounts.user("reader@example.com"))["token"]
    chat = await new_chat(client, owner, "Shared", tree(("u", None, "user", "before")))
    shared = await client.post(f"/api/v1/chats/{chat['id']}/share", headers=bearer(owner))
    share_id = shared.json()["share_id"]
    assert shared.status_code == 200 and share_id
    await client.post(f"/api/v1/chats/{chat['id']}/messages/u", headers=bearer(owner),
                      json={"content": "after"})
    seen = await client.get(f"/api/v1/chats/share/{share_id}", headers=bearer(reader))
    assert seen.status_code == 200
    assert seen.json()["id"] == share_id
    assert seen.json()["chat"]["history"]["messages"]["u"]["content"] == "before"
    assert (await client.get(f"/api/v1/chats/{chat['id']}",
                             headers=bearer(reader))).status_code == 401
    # Sharing again refreshes the same link.
    again = await client.post(f"/api/v1/chats/{chat['id']}/share", headers=bearer(owner))
    assert again.json()["share_id"] == share_id
    seen = await client.get(f"/api/v1/chats/share/{share_id}", headers=bearer(reader))
    assert seen.json()["chat"]["history"]["messages"]["u"]["content"] == "after"
    unshared = await client.delete(f"/api/v1/chats/{chat['id']}/share", headers=bearer(owner))
    assert unshared.json() is True
    gone = await client.get(f"/api/v1/chats/share/{share_id}", headers=bearer(reader))
    assert gone.status_code == 401
    assert (await client.delete(f"/api/v1/chats/{chat['id']}/share",
                                headers=bearer(owner))).json() is False


async def test_another_users_chat_is_refused_and_left_alone(client, app, accounts, owner):
    other = (await accounts.user("other@example.com"))["token"]
    chat = await new_chat(client, owner, "Mine", tree(("u", None, "user", "secret")))
    await client.post(f"/api/v1/chats/{chat['id']}/tags", headers=bearer(owner),
                      json={"name": "private"})
    before = await stored(app, chat["id"])
    one, v1 = f"/api/chats/{chat['id']}", f"/api/v1/chats/{chat['id']}"
    attempts = [
        ("GET", v1, None, 401), ("POST", v1, {"chat": {"title": "x"}}, 401),
        ("DELETE", v1, None, 404), ("POST", f"{v1}/archive", None, 401),
        ("POST", f"{v1}/pin", None, 401), ("GET", f"{v1}/pinned", None, 401),
        ("POST", f"{v1}/folder", {"folder_id": None}, 401),
        ("GET", f"{v1}/tags", None, 401), ("POST", f"{v1}/tags", {"name": "x"}, 401),
        ("DELETE", f"{v1}/tags", {"name": "private"}, 401),
        ("POST", f"{v1}/share", None, 401), ("DELETE", f"{v1}/share", None, 401),
        ("POST", f"{v1}/messages/u", {"content": "x"}, 401),
        ("DELETE", f"{v1}/messages/u", None, 401),
        ("GET", one, None, 401), ("GET", f"{one}/messages", None, 404),
        ("POST", f"{one}/messages", {"content": "x"}, 404),
        ("GET", f"{one}/messages/u", None, 404), ("DELETE", f"{one}/messages/u", None, 401),
    ]
    for method, path, body, status in attempts:
        response = await client.request(method, path, headers=bearer(other), json=body)
        assert response.status_code == status, (method, path, response.text)
        assert "secret" not in response.text and "private" not in response.text
    assert await stored(app, chat["id"]) == before
    listed = await client.get("/api/v1/chats/", headers=bearer(other))
    assert listed.json() == []


@pytest.mark.parametrize("env_overrides", [{}, {"ENABLE_ADMIN_CHAT_ACCESS": "false"}],
                         ids=["admin-access", "no-admin-access"])
async def test_admins_reach_chats_only_with_chat_access(client, accounts, owner, env_overrides):
    chat = await new_chat(client, owner, "Mine", tree(("u", None, "user", "hi")))
    admin = accounts.admin_token
    allowed = not env_overrides
    read = await client.get(f"/api/v1/chats/{chat['id']}", headers=bearer(admin))
    assert read.status_code == (200 if allowed else 401)
    if allowed:  # read-only view: no owner settings, no share-mode to continue
        assert read.json()["chat"]["share_mode"] is None and "models" in read.json()["chat"]
    edit = await client.post(f"/api/v1/chats/{chat['id']}/messages/u", headers=bearer(admin),
                             json={"content": "edited by admin"})
    assert edit.status_code == (200 if allowed else 401)
    rename = await client.post(f"/api/v1/chats/{chat['id']}", headers=bearer(admin),
                               json={"chat": {"title": "x"}})
    assert rename.status_code == 401  # only owners change a chat's settings
    deleted = await client.delete(f"/api/v1/chats/{chat['id']}", headers=bearer(admin))
    assert deleted.status_code == (200 if allowed else 404)


async def test_malformed_input_is_refused_and_nothing_is_written(client, app, owner):
    def history(messages, current=None):
        return {"messages": messages, "currentId": current}

    node = {"role": "user", "content": "x", "childrenIds": []}
    bad = {
        "missing parent": history({"a": {**node, "id": "a", "parentId": "ghost"}}),
        "own parent": history({"a": {**node, "id": "a", "parentId": "a"}}),
        "cycle": history({"a": {**node, "id": "a", "parentId": "b"},
                          "b": {**node, "id": "b", "parentId": "a"}}),
        "wrong id": history({"a": {**node, "id": "b", "parentId": None}}),
        "not an object": history({"a": "text"}),
        "huge message": history({"a": {**node, "id": "a", "parentId": None,
                                       "content": "x" * (4 * 1024 * 1024 + 1)}}),
    }
    for name, value in bad.items():
        response = await client.post("/api/v1/chats/new", headers=bearer(owner),
                                     json={"chat": {"title": name, "history": value}})
        assert response.status_code == 400, (name, response.text)
        assert isinstance(response.json()["detail"], str)
    long_title = await client.post("/api/chats", headers=bearer(owner),
                                   json={"chat": {"title": "t" * 1001}})
    assert long_title.status_code == 400
    assert (await client.get("/api/v1/chats/", headers=bearer(owner))).json() == []

    chat = await new_chat(client, owner, "Kept", tree(("u", None, "user", "hi")))
    before = await stored(app, chat["id"])
    for value in bad.values():
        response = await client.post(f"/api/v1/chats/{chat['id']}", headers=bearer(owner),
                                     json={"chat": {"history": value}})
        assert response.status_code == 400, response.text
    assert await stored(app, chat["id"]) == before
    for body in (b"{not json", b'{"title": "no chat key"}', b'{"chat": []}'):
        response = await client.post(f"/api/v1/chats/{chat['id']}", content=body, headers={
            **bearer(owner), "Content-Type": "application/json"})
        assert response.status_code == 422 and isinstance(response.json()["detail"], list)
    missing = await client.get(f"/api/v1/chats/{uuid.uuid4()}", headers=bearer(owner))
    assert missing.status_code == 401
    unknown_folder = await client.post("/api/v1/chats/new", headers=bearer(owner),
                                       json={"chat": {}, "folder_id": "nope"})
    assert unknown_folder.status_code == 404


async def test_a_ten_megabyte_chat_is_stored_whole(client, app, owner):
    big = "y" * 500_000
    nodes = [(f"m{i}", f"m{i - 1}" if i else None, "user" if i % 2 == 0 else "assistant", big)
             for i in range(21)]
    chat = await new_chat(client, owner, "Big", tree(*nodes))
    got = await client.get(f"/api/v1/chats/{chat['id']}", headers=bearer(owner))
    assert got.status_code == 200 and len(got.content) > 10_000_000
    listed = await client.get("/api/v1/chats/", headers=bearer(owner))
    assert [c["title"] for c in listed.json()] == ["Big"]
    history = await assert_in_step(app, chat["id"])
    assert len(history["messages"]) == 21
