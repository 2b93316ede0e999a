"""PATCH: add, replace and remove, with and without a path, through value filters, in
any letter case and in Entra ID's forms; all of a request or none of it."""

import pytest

from tests.compat_rest.scim.conftest import ENTERPRISE, PATCH_OP, USER, scim_error
from tests.conftest import bearer


@pytest.fixture
async def user(scim, accounts):
    await accounts.admin()
    return await scim.create_user(
        "pat", displayName="Pat", title="Engineer", password="pat-pass-1",
        emails=[{"value": "pat@work.example", "type": "work", "primary": True}],
        phoneNumbers=[{"value": "111", "type": "work"}, {"value": "222", "type": "mobile"}])


async def test_add_replace_and_remove_with_paths(scim, user):
    path = f"/Users/{user['id']}"
    changed = await scim.patch(
        path,
        {"op": "add", "path": "nickName", "value": "P"},
        {"op": "replace", "path": "name.givenName", "value": "Patricia"},
        {"op": "add", "path": "phoneNumbers", "value": [{"value": "333", "type": "home"}]},
        {"op": "remove", "path": "title"},
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Ops"},
        {"op": "add", "path": f"{ENTERPRISE}:manager", "value": "boss-id"})
    assert changed["nickName"] == "P" and changed["name"] == {"givenName": "Patricia"}
    assert [p["value"] for p in changed["phoneNumbers"]] == ["111", "222", "333"]
    assert "title" not in changed
    assert changed[ENTERPRISE] == {"department": "Ops", "manager": {"value": "boss-id"}}
    assert ENTERPRISE in changed["schemas"]
    again = await scim.patch(path, {"op": "remove", "path": ENTERPRISE},
                             {"op": "remove", "path": "name.givenName"})
    assert ENTERPRISE not in again and "name" not in again
    assert again["schemas"] == [USER]


async def test_value_filters_in_paths(scim, user):
    path = f"/Users/{user['id']}"
    changed = await scim.patch(
        path,
        {"op": "replace", "path": 'phoneNumbers[type eq "mobile"].value', "value": "999"},
        {"op": "add", "path": 'emails[type eq "home"].value', "value": "pat@home.example"},
        {"op": "replace", "path": 'emails[type eq "work"].display', "value": "Work mail"},
        {"op": "remove", "path": 'phoneNumbers[value eq "111"]'},
        {"op": "add", "path": 'addresses[type eq "work"].locality', "value": "Lyon"})
    assert changed["phoneNumbers"] == [{"value": "999", "type": "mobile"}]
    emails = {e["type"]: e for e in changed["emails"]}
    assert emails["home"]["value"] == "pat@home.example"
    assert emails["work"] == {"value": "pat@work.example", "type": "work", "primary": True,
                              "display": "Work mail"}
    assert changed["addresses"] == [{"type": "work", "locality": "Lyon"}]
    replaced = await scim.patch(path, {"op": "replace", "path": 'emails[type eq "home"]',
                                       "value": {"value": "p2@home.example", "type": "home",
                                                 "primary": True}})
    primaries = [e for e in replaced["emails"] if e.get("primary")]
    assert [e["value"] for e in primaries] == ["p2@home.example"]  # one primary at a time
    no_match = await scim.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": 'emails[value co "nowhere"].type', "value": "x"}]},
        status=400)
    scim_error(no_match, 400, "noTarget")


async def test_pathless_operations_and_entra_forms(client, scim, user):
    path = f"/Users/{user['id']}"
    changed = await scim.patch(
        path,
        {"op": "Replace", "value": {"displayName": "Pat P", "NICKNAME": "pp",
                                    "id": "ignored", "meta": {"version": "ignored"},
                                    f"{ENTERPRISE}:costCenter": "42",
                                    "name": {"familyName": "P"}}},
        {"op": "Add", "value": {ENTERPRISE: {"division": "West"}}},
        {"op": "Replace", "path": "active", "value": "False"})
    assert changed["displayName"] == "Pat P" and changed["nickName"] == "pp"
    assert changed["name"] == {"familyName": "P"} and changed["active"] is False
    assert changed[ENTERPRISE] == {"costCenter": "42", "division": "West"}
    assert changed["id"] == user["id"]
    reactivated = await scim.patch(path, {"op": "replace", "value": {"active": "TRUE"}})
    assert reactivated["active"] is True
    signin = await client.post("/api/v1/auths/signin", json={"email": "pat@work.example",
                                                            "password": "pat-pass-1"})
    assert signin.status_code == 200


async def test_password_can_be_set_and_removed(client, scim, user):
    path = f"/Users/{user['id']}"
    signin = await client.post("/api/v1/auths/signin", json={"email": "pat@work.example",
                                                            "password": "pat-pass-1"})
    token = signin.json()["token"]
    await scim.patch(path, {"op": "replace", "path": "password", "value": "pat-pass-2"})
    assert (await client.get("/api/v1/auths/", headers=bearer(token))).status_code == 401
    assert (await client.post("/api/v1/auths/signin", json={
        "email": "pat@work.example", "password": "pat-pass-2"})).status_code == 200
    await scim.patch(path, {"op": "remove", "path": "password"})
    assert (await client.post("/api/v1/auths/signin", json={
        "email": "pat@work.example", "password": "pat-pass-2"})).status_code == 400


async def test_remove_active_leaves_it_unassigned_and_the_account_on(client, scim, user):
    changed = await scim.patch(f"/Users/{user['id']}", {"op": "remove", "path": "active"})
    assert "active" not in changed
    assert (await client.post("/api/v1/auths/signin", json={
        "email": "pat@work.example", "password": "pat-pass-1"})).status_code == 200
    assert await scim.filter("active pr") == ["admin@example.com"]


BAD_OPERATIONS = [
    ({"op": "replace", "path": "id", "value": "new"}, "mutability"),
    ({"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"},
     "mutability"),
    ({"op": "remove", "path": "meta"}, "mutability"),
    ({"op": "add", "path": "groups", "value": [{"value": "g"}]}, "mutability"),
    ({"op": "remove"}, "noTarget"),
    ({"op": "add", "path": "nothing", "value": "x"}, "invalidPath"),
    ({"op": "add", "path": "name.nothing", "value": "x"}, "invalidPath"),
    ({"op": "add", "path": 'emails[nothing eq "x"].value', "value": "x"}, "invalidPath"),
    ({"op": "add", "path": 'emails[type eq "x"', "value": "x"}, "invalidPath"),
    ({"op": "add", "path": "", "value": "x"}, "invalidPath"),
    ({"op": "add", "value": {"nothing": 1}}, "invalidPath"),
    ({"op": "move", "path": "title", "value": "x"}, "invalidSyntax"),
    ({"op": "add", "path": "active", "value": "maybe"}, "invalidValue"),
    ({"op": "add", "path": "title", "value": 5}, "invalidValue"),
    ({"op": "add", "path": "emails", "value": "not-a-list-of-objects"}, "invalidValue"),
    ({"op": "remove", "path": "userName"}, "invalidValue"),
    ({"op": "replace", "path": "emails", "value": [{"value": "not an address"}]},
     "invalidValue"),
    ({"op": "add", "path": "title"}, "invalidValue"),
    ({"op": "add", "value": "title"}, "invalidValue"),
]


async def test_bad_operations_change_nothing(scim, user):
    path = f"/Users/{user['id']}"
    for operation, scim_type in BAD_OPERATIONS:
        body = {"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "title", "value": "Changed first"}, operation]}
        scim_error(await scim.call("PATCH", path, body, status=400), 400, scim_type)
        after = await scim.get(path)
        assert after["title"] == "Engineer", operation  # the first operation was not kept
        assert after["meta"]["version"] == user["meta"]["version"]


MALFORMED = [
    {"Operations": [{"op": "add", "path": "title", "value": "x"}]},
    {"schemas": [USER], "Operations": [{"op": "add", "path": "title", "value": "x"}]},
    {"schemas": [PATCH_OP], "Operations": []},
    {"schemas": [PATCH_OP], "Operations": ["add"]},
    [],
]


async def test_malformed_patch_requests(scim, user):
    for body in MALFORMED:
        response = await scim.call("PATCH", f"/Users/{user['id']}", body, status=400)
        scim_error(response, 400, "invalidSyntax")
