"""Open WebUI's `/api/v1/knowledge` routes and the documented `/api/knowledge` routes on
SQLite and PostgreSQL: CRUD with Open WebUI's shapes and statuses, the create
permission, grants (none, read, write through a group), and bad input answered 4xx."""

from __future__ import annotations

import uuid

import pytest

from data.tables import GroupMemberRow, GroupRow, ModelRow
from resolvers.context import Context
from tests.conftest import bearer

V1 = "/api/v1/knowledge"
NOT_FOUND = "We could not find what you're looking for :/"
ACCESS_PROHIBITED = ("You do not have permission to access this resource. Please contact "
                     "your administrator for assistance.")


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com", name="Alice")
    bob = await accounts.user("bob@example.com", name="Bob")
    return {"admin": bearer(admin["token"]), "alice": bearer(alice["token"]),
            "bob": bearer(bob["token"]), "admin_id": admin["id"], "alice_id": alice["id"],
            "bob_id": bob["id"]}


async def allow_knowledge(client, people) -> None:
    """Everyone may create knowledge bases and share them (Open WebUI's defaults are
    off)."""
    response = await client.post("/api/v1/users/default/permissions", headers=people["admin"],
                                 json={"workspace": {"knowledge": True},
                                       "sharing": {"knowledge": True}})
    assert response.status_code == 200, response.text


async def create(client, who, name="Manuals", description="How things work", **extra):
    response = await client.post(f"{V1}/create", headers=who,
                                 json={"name": name, "description": description, **extra})
    assert response.status_code == 200, response.text
    return response.json()


async def add_to_group(app, user_id: str) -> str:
    group_id = str(uuid.uuid4())
    ctx = Context(app.state.services)
    async with ctx.unit_of_work(write=True):
        ctx.session.add(GroupRow(id=group_id, name="Editors", created_at=0, updated_at=0))
        await ctx.session.flush()  # the member's foreign key needs the group first
        ctx.session.add(GroupMemberRow(id=str(uuid.uuid4()), group_id=group_id,
                                       user_id=user_id, created_at=0, updated_at=0))
    return group_id


async def test_crud_with_open_webui_shapes(client, people):
    admin = people["admin"]
    made = await create(client, admin, "  Manuals  ")
    assert set(made) == {"id", "user_id", "name", "description", "meta", "access_grants",
                         "created_at", "updated_at", "files"}
    assert made["name"] == "Manuals" and made["files"] is None
    assert made["user_id"] == people["admin_id"] and isinstance(made["created_at"], int)
    kb = made["id"]

    one = (await client.get(f"{V1}/{kb}", headers=admin)).json()
    assert one["write_access"] is True and one["files"] is None and one["name"] == "Manuals"

    listed = (await client.get(f"{V1}/", headers=admin)).json()
    assert listed["total"] == 1
    entry = listed["items"][0]
    assert entry["id"] == kb and entry["file_count"] == 0 and entry["write_access"] is True
    assert entry["user"] == {"id": people["admin_id"], "name": "Ada Admin", "role": "admin",
                             "email": "admin@example.com"}

    updated = await client.post(f"{V1}/{kb}/update", headers=admin,
                                json={"name": "Guides", "description": "Updated"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Guides" and updated.json()["files"] == []

    shared = await client.post(f"{V1}/{kb}/access/update", headers=admin, json={
        "access_grants": [{"principal_type": "user", "principal_id": people["bob_id"],
                           "permission": "read"}, {"principal_type": "nobody"}]})
    assert shared.status_code == 200, shared.text
    grants = shared.json()["access_grants"]
    assert [(g["principal_type"], g["principal_id"], g["permission"], g["resource_type"])
            for g in grants] == [("user", people["bob_id"], "read", "knowledge")]

    found = (await client.get(f"{V1}/search", headers=admin,
                              params={"query": "guid"})).json()
    assert [k["id"] for k in found["items"]] == [kb]
    assert (await client.get(f"{V1}/search", headers=admin,
                             params={"query": "absent"})).json() == {"items": [], "total": 0}

    deleted = await client.delete(f"{V1}/{kb}/delete", headers=admin)
    assert deleted.status_code == 200 and deleted.json() is True
    gone = await client.get(f"{V1}/{kb}", headers=admin)
    assert gone.status_code == 404 and gone.json() == {"detail": NOT_FOUND}
    again = await client.delete(f"{V1}/{kb}/delete", headers=admin)
    assert again.status_code == 400 and again.json() == {"detail": NOT_FOUND}
    assert (await client.get(f"{V1}/", headers=admin)).json() == {"items": [], "total": 0}


async def test_the_documented_short_routes(client, people):
    admin = people["admin"]
    made = await client.post("/api/knowledge", headers=admin,
                             json={"name": "Notes", "description": ""})
    assert made.status_code == 200, made.text
    kb = made.json()["id"]
    assert [k["id"] for k in (await client.get("/api/knowledge", headers=admin)).json()[
        "items"]] == [kb]
    assert (await client.get(f"/api/knowledge/{kb}", headers=admin)).json()["name"] == "Notes"
    changed = await client.post(f"/api/knowledge/{kb}", headers=admin,
                                json={"name": "Notebook", "description": "mine"})
    assert changed.status_code == 200 and changed.json()["name"] == "Notebook"
    assert (await client.get(f"{V1}/{kb}", headers=admin)).json()["name"] == "Notebook"
    assert (await client.delete(f"/api/knowledge/{kb}", headers=admin)).json() is True
    assert (await client.get(f"/api/knowledge/{kb}", headers=admin)).status_code == 404


async def test_creating_needs_the_workspace_permission(client, people):
    refused = await client.post(f"{V1}/create", headers=people["alice"],
                                json={"name": "Mine", "description": ""})
    assert refused.status_code == 401 and refused.json() == {"detail": "401 Unauthorized"}
    assert (await client.get(f"{V1}/", headers=people["admin"])).json()["total"] == 0
    await allow_knowledge(client, people)
    made = await create(client, people["alice"], "Mine")
    assert made["user_id"] == people["alice_id"]


async def test_grants_decide_who_reads_and_who_writes(app, client, people):
    await allow_knowledge(client, people)
    alice, bob = people["alice"], people["bob"]
    kb = (await create(client, alice, "Private"))["id"]

    # Another user sees nothing: not listed, 401 on read (it exists), 400 on change.
    assert (await client.get(f"{V1}/", headers=bob)).json() == {"items": [], "total": 0}
    read = await client.get(f"{V1}/{kb}", headers=bob)
    assert read.status_code == 401 and read.json() == {"detail": ACCESS_PROHIBITED}
    unknown = await client.get(f"{V1}/{uuid.uuid4()}", headers=bob)
    assert unknown.status_code == 404 and unknown.json() == {"detail": NOT_FOUND}
    for method, path in (("POST", "update"), ("DELETE", "delete"), ("POST", "reset")):
        response = await client.request(method, f"{V1}/{kb}/{path}", headers=bob,
                                        json={"name": "Mine now", "description": ""})
        assert response.status_code == 400, (path, response.text)
        assert response.json() == {"detail": ACCESS_PROHIBITED}
    assert (await client.get(f"{V1}/{kb}/files", headers=bob)).status_code == 400

    # A read grant: listed and readable, not writable.
    await client.post(f"{V1}/{kb}/access/update", headers=alice, json={"access_grants": [
        {"principal_type": "user", "principal_id": people["bob_id"], "permission": "read"}]})
    listed = (await client.get(f"{V1}/", headers=bob)).json()
    assert [(k["id"], k["write_access"]) for k in listed["items"]] == [(kb, False)]
    assert (await client.get(f"{V1}/{kb}", headers=bob)).json()["write_access"] is False
    refused = await client.post(f"{V1}/{kb}/update", headers=bob,
                                json={"name": "Bob's", "description": ""})
    assert refused.status_code == 400 and refused.json() == {"detail": ACCESS_PROHIBITED}
    shared = (await client.get(f"{V1}/search", headers=bob,
                               params={"view_option": "shared"})).json()
    assert shared["total"] == 1
    assert (await client.get(f"{V1}/search", headers=bob,
                             params={"view_option": "created"})).json()["total"] == 0

    # A write grant to a group Bob is in: he may change it.
    group_id = await add_to_group(app, people["bob_id"])
    await client.post(f"{V1}/{kb}/access/update", headers=alice, json={"access_grants": [
        {"principal_type": "group", "principal_id": group_id, "permission": "write"}]})
    assert (await client.get(f"{V1}/{kb}", headers=bob)).json()["write_access"] is True
    changed = await client.post(f"{V1}/{kb}/update", headers=bob,
                                json={"name": "Ours", "description": ""})
    assert changed.status_code == 200 and changed.json()["name"] == "Ours"
    # The administrator sees every knowledge base; "shared" ones are the others'.
    admin = people["admin"]
    own = (await create(client, admin, "Admin's"))["id"]
    assert (await client.get(f"{V1}/", headers=admin)).json()["total"] == 2
    for view, expected in (("created", [own]), ("shared", [kb])):
        found = (await client.get(f"{V1}/search", headers=admin,
                                  params={"view_option": view})).json()
        assert [k["id"] for k in found["items"]] == expected, view


async def test_list_pages_hold_thirty(client, people):
    admin = people["admin"]
    for i in range(32):
        await create(client, admin, f"kb {i:02}")
    first = (await client.get(f"{V1}/", headers=admin)).json()
    second = (await client.get(f"{V1}/", headers=admin, params={"page": 2})).json()
    assert first["total"] == second["total"] == 32
    assert len(first["items"]) == 30 and len(second["items"]) == 2
    assert not {k["id"] for k in first["items"]} & {k["id"] for k in second["items"]}
    by_name = (await client.get(f"{V1}/search", headers=admin, params={
        "order_by": "name", "direction": "asc"})).json()
    assert [k["name"] for k in by_name["items"][:3]] == ["kb 00", "kb 01", "kb 02"]
    bad = await client.get(f"{V1}/", headers=admin, params={"page": 0})
    assert bad.status_code == 422
    assert (await client.get(f"{V1}/search", headers=admin,
                             params={"order_by": "size"})).status_code == 422


async def test_bad_input_is_refused_and_nothing_is_written(client, people):
    admin = people["admin"]
    missing = await client.post(f"{V1}/create", headers=admin, json={"description": "x"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "name"]
    blank = await client.post(f"{V1}/create", headers=admin,
                              json={"name": "   ", "description": ""})
    assert blank.status_code == 400
    huge = await client.post(f"{V1}/create", headers=admin,
                             json={"name": "n" * 100_000, "description": ""})
    assert huge.status_code == 400 and "255" in huge.json()["detail"]
    nul = await client.post(f"{V1}/create", headers=admin,
                            json={"name": "bad\u0000name", "description": ""})
    assert nul.status_code in (400, 422), nul.text
    wrong_type = await client.post(f"{V1}/create", headers=admin,
                                   json={"name": ["x"], "description": ""})
    assert wrong_type.status_code == 422
    not_json = await client.post(f"{V1}/create", headers={**admin, "content-type":
                                                           "application/json"}, content=b"{")
    assert not_json.status_code == 422
    assert (await client.get(f"{V1}/", headers=admin)).json()["total"] == 0
    kb = (await create(client, admin))["id"]
    huge_update = await client.post(f"{V1}/{kb}/update", headers=admin,
                                    json={"name": "n" * 300, "description": ""})
    assert huge_update.status_code == 400
    assert (await client.get(f"{V1}/{kb}", headers=admin)).json()["name"] == "Manuals"
    unknown = await client.post(f"{V1}/{uuid.uuid4()}/update", headers=admin,
                                json={"name": "x", "description": ""})
    assert unknown.status_code == 400 and unknown.json() == {"detail": NOT_FOUND}
    anonymous = await client.get(f"{V1}/")
    assert anonymous.status_code == 401


async def test_delete_takes_it_out_of_models(app, client, people):
    admin = people["admin"]
    kb = (await create(client, admin))["id"]
    other = (await create(client, admin, "Other"))["id"]
    ctx = Context(app.state.services)
    async with ctx.unit_of_work(write=True):
        ctx.session.add(ModelRow(
            id="helper", user_id=people["admin_id"], base_model_id="llama3", name="Helper",
            params={}, meta={"knowledge": [{"id": kb, "name": "Manuals"}, {"id": other}, kb]},
            is_active=True, created_at=0, updated_at=0))
    assert (await client.delete(f"{V1}/{kb}/delete", headers=admin)).json() is True
    async with ctx.unit_of_work():
        model = await ctx.session.get(ModelRow, "helper")
        assert model.meta["knowledge"] == [{"id": other}]
