"""Groups over SCIM are Open WebUI's groups: members are users, changes show on REST,
and the membership forms identity providers send all work."""

import asyncio

import pytest

from tests.compat_rest.scim.conftest import GROUP, PATCH_OP, scim_error
from tests.conftest import bearer


@pytest.fixture
async def team(scim, accounts):
    admin = await accounts.admin()
    ann = await scim.create_user("ann", "ann@example.com", displayName="Ann")
    ben = await scim.create_user("ben", "ben@example.com", displayName="Ben")
    cid = await scim.create_user("cid", "cid@example.com", displayName="Cid")
    return {"admin": admin, "ann": ann["id"], "ben": ben["id"], "cid": cid["id"]}


def member_ids(group: dict) -> list[str]:
    return sorted(m["value"] for m in group.get("members", []))


async def test_groups_are_open_webuis_groups(client, scim, team):
    created = await scim.create_group("Research", team["ann"], team["ben"], externalId="g-1")
    assert created["displayName"] == "Research" and created["externalId"] == "g-1"
    assert member_ids(created) == sorted([team["ann"], team["ben"]])
    member = created["members"][0]
    assert set(member) == {"value", "$ref", "type"} and member["type"] == "User"
    assert member["$ref"] == f"http://parley.test/scim/v2/Users/{member['value']}"
    assert created["meta"]["resourceType"] == "Group"
    rest = await client.get(f"/api/v1/users/{team['ann']}",
                            headers=bearer(team["admin"]["token"]))
    assert rest.json()["groups"] == [{"id": created["id"], "name": "Research"}]
    user = await scim.get(f"/Users/{team['ann']}")
    assert user["groups"] == [{"value": created["id"], "display": "Research", "type": "direct",
                               "$ref": f"http://parley.test/scim/v2/Groups/{created['id']}"}]
    shown = await scim.get(f"/Groups/{created['id']}", attributes="members.display")
    assert sorted(m["display"] for m in shown["members"]) == ["Ann", "Ben"]
    assert await scim.filter('displayName eq "research"', "/Groups") == ["Research"]
    assert await scim.filter(f'members[value eq "{team["ben"]}"]', "/Groups") == ["Research"]
    assert await scim.filter('externalId eq "g-1"', "/Groups") == ["Research"]
    assert await scim.filter('members.display eq "cid"', "/Groups") == []


async def test_members_must_be_users(scim, team):
    for members in ([{"value": "no-such-user"}],
                    [{"value": team["ann"], "type": "Group"}],
                    [{"value": team["ann"], "$ref": "http://x/scim/v2/Groups/1"}],
                    [{"display": "no value"}]):
        body = {"schemas": [GROUP], "displayName": "Bad", "members": members}
        scim_error(await scim.call("POST", "/Groups", body, status=400), 400, "invalidValue")
    body = {"schemas": [GROUP], "members": []}
    scim_error(await scim.call("POST", "/Groups", body, status=400), 400, "invalidValue")
    assert (await scim.get("/Groups"))["totalResults"] == 0


async def test_put_replaces_name_members_and_external_id(scim, team):
    group = await scim.create_group("Old", team["ann"], externalId="x")
    replaced = (await scim.call("PUT", f"/Groups/{group['id']}", {
        "schemas": [GROUP], "displayName": "New",
        "members": [{"value": team["ben"]}, {"value": team["cid"]}]})).json()
    assert replaced["displayName"] == "New" and "externalId" not in replaced
    assert member_ids(replaced) == sorted([team["ben"], team["cid"]])
    assert replaced["meta"]["version"] != group["meta"]["version"]


async def test_membership_patches_from_every_identity_provider(scim, team):
    group = await scim.create_group("Ops", team["ann"])
    path = f"/Groups/{group['id']}"
    entra_add = await scim.patch(path, {"op": "Add", "path": "members", "value": [
        {"value": team["ben"]}, {"value": team["cid"]}, {"value": team["ann"]}]})
    assert member_ids(entra_add) == sorted([team["ann"], team["ben"], team["cid"]])
    entra_remove = await scim.patch(path, {"op": "Remove", "path": "members", "value": [
        {"value": team["ann"]}, {"value": team["ben"]}]})
    assert member_ids(entra_remove) == [team["cid"]]
    okta_remove = await scim.patch(path, {"op": "remove",
                                          "path": f'members[value eq "{team["cid"]}"]'})
    assert "members" not in okta_remove
    okta_replace = await scim.patch(path, {"op": "replace", "value": {
        "id": group["id"], "displayName": "Operations", "members": [{"value": team["ann"]}]}})
    assert okta_replace["displayName"] == "Operations"
    assert member_ids(okta_replace) == [team["ann"]]
    renamed = await scim.patch(path, {"op": "replace", "path": "displayName", "value": "Ops"},
                               {"op": "replace", "path": "members",
                                "value": [{"value": team["ben"]}]})
    assert renamed["displayName"] == "Ops" and member_ids(renamed) == [team["ben"]]
    cleared = await scim.patch(path, {"op": "remove", "path": "members"})
    assert "members" not in cleared
    immutable = await scim.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": team["ann"]}]},
        {"op": "replace", "path": f'members[value eq "{team["ann"]}"].value',
         "value": team["ben"]}]}, status=400)
    scim_error(immutable, 400, "mutability")
    unknown = await scim.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": "ghost"}]}]}, status=400)
    scim_error(unknown, 400, "invalidValue")
    assert "members" not in await scim.get(path)


async def test_deleting_groups_and_members(client, scim, team):
    group = await scim.create_group("Temp", team["ann"], team["ben"])
    await scim.call("DELETE", f"/Users/{team['ben']}", status=204)
    assert member_ids(await scim.get(f"/Groups/{group['id']}")) == [team["ann"]]
    stale = await scim.call("DELETE", f"/Groups/{group['id']}", status=412,
                            headers={"If-Match": group["meta"]["version"]})
    scim_error(stale, 412)
    await scim.call("DELETE", f"/Groups/{group['id']}", status=204)
    scim_error(await scim.call("GET", f"/Groups/{group['id']}", status=404), 404)
    scim_error(await scim.call("PATCH", f"/Groups/{group['id']}", {
        "schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "members"}]},
        status=404), 404)
    rest = await client.get(f"/api/v1/users/{team['ann']}",
                            headers=bearer(team["admin"]["token"]))
    assert rest.json()["groups"] == []


async def test_display_names_are_unique_ignoring_case(scim, team):
    research = await scim.create_group("Research", team["ann"])
    for name in ("Research", "RESEARCH"):
        taken = await scim.call("POST", "/Groups", {"schemas": [GROUP], "displayName": name,
                                                    "members": [{"value": team["ben"]}]},
                                status=409)
        scim_error(taken, 409, "uniqueness")
    listed = await scim.get("/Groups")
    assert listed["totalResults"] == 1  # nothing half-written: no group, no membership
    assert member_ids(listed["Resources"][0]) == [team["ann"]]
    other = await scim.create_group("Ops")
    renamed = await scim.call("PUT", f"/Groups/{other['id']}", {
        "schemas": [GROUP], "displayName": "research"}, status=409)
    scim_error(renamed, 409, "uniqueness")
    patched = await scim.call("PATCH", f"/Groups/{other['id']}", {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Research"}]},
        status=409)
    scim_error(patched, 409, "uniqueness")
    assert (await scim.get(f"/Groups/{other['id']}"))["displayName"] == "Ops"
    # A group keeps its own name, in any case, through a replace.
    kept = await scim.call("PUT", f"/Groups/{research['id']}", {
        "schemas": [GROUP], "displayName": "research", "members": [{"value": team["cid"]}]})
    assert kept.json()["displayName"] == "research"


async def test_concurrent_creates_of_one_name_make_one_group(scim, team):
    async def create():
        return await scim.client.post(
            "/scim/v2/Groups", headers=scim.headers,
            json={"schemas": [GROUP], "displayName": "Racers"})

    statuses = sorted(r.status_code for r in await asyncio.gather(*(create() for _ in range(4))))
    assert statuses == [201, 409, 409, 409]
    assert await scim.filter('displayName eq "racers"', "/Groups") == ["Racers"]
