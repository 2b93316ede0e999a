"""Users over SCIM are the accounts every surface uses: created here they sign in and
show up on REST and GraphQL; created elsewhere they are visible here; deactivated or
deleted here they are refused everywhere at once."""

from sqlalchemy import select, update

from data.tables import UserRow
from tests.compat_rest.scim.conftest import ENTERPRISE, USER, scim_error
from tests.conftest import bearer

VIEWER = "{ viewer { id email name } }"


async def _signin(client, email, password):
    return await client.post("/api/v1/auths/signin", json={"email": email, "password": password})


async def test_a_provisioned_user_signs_in_and_shows_up_everywhere(client, scim, accounts):
    admin = await accounts.admin()
    created = await scim.create_user(
        "Grace.Hopper@Example.com", password="navy-cobol-1", externalId="ext-42",
        name={"givenName": "Grace", "familyName": "Hopper"},
        emails=[{"value": "Grace@Example.com", "type": "work", "primary": True},
                {"value": "grace@home.example", "type": "home"}],
        title="Rear Admiral", **{ENTERPRISE: {"department": "Navy"},
                                 "schemas": [USER, ENTERPRISE]})
    user_id = created["id"]
    assert created["userName"] == "Grace.Hopper@Example.com"
    assert created["active"] is True and created["externalId"] == "ext-42"
    assert "displayName" not in created  # none was given; the account's name is derived
    assert created[ENTERPRISE] == {"department": "Navy"} and "password" not in created
    assert created["meta"]["resourceType"] == "User"
    assert created["meta"]["location"] == f"http://parley.test/scim/v2/Users/{user_id}"
    assert created["meta"]["version"].startswith('W/"')
    assert {e["value"] for e in created["emails"]} == {"grace@example.com",
                                                       "grace@home.example"}

    signin = await _signin(client, "grace@example.com", "navy-cobol-1")
    assert signin.status_code == 200 and signin.json()["role"] == "user"
    rest = await client.get(f"/api/v1/users/{user_id}", headers=bearer(admin["token"]))
    assert rest.json()["name"] == "Grace Hopper" and rest.json()["email"] == "grace@example.com"
    graphql = await client.post("/graphql", headers=bearer(signin.json()["token"]),
                                json={"query": VIEWER})
    assert graphql.json()["data"]["viewer"]["id"] == user_id

    got = await scim.call("GET", f"/Users/{user_id}")
    assert got.headers["etag"] == created["meta"]["version"]
    assert got.headers["location"] == created["meta"]["location"]
    assert got.json() == created


async def test_every_user_is_visible_not_only_those_scim_created(scim, accounts):
    admin = await accounts.admin()
    member = await accounts.user("member@example.com", name="Mem Ber")
    listed = await scim.get("/Users")
    by_id = {u["id"]: u for u in listed["Resources"]}
    assert set(by_id) == {admin["id"], member["id"]} and listed["totalResults"] == 2
    assert by_id[member["id"]]["userName"] == "member@example.com"
    assert by_id[member["id"]]["displayName"] == "Mem Ber"
    assert by_id[member["id"]]["emails"] == [
        {"value": "member@example.com", "type": "work", "primary": True}]
    assert by_id[member["id"]]["active"] is True
    # ...and each can be changed here like any provisioned user
    patched = await scim.patch(f"/Users/{member['id']}",
                               {"op": "replace", "path": "displayName", "value": "M. Ber"})
    assert patched["displayName"] == "M. Ber"


async def test_deactivation_revokes_tokens_and_refuses_sign_in_at_once(client, scim,
                                                                       accounts):
    await accounts.admin()
    user = await accounts.user("leaver@example.com", password="leaver-pass-1")
    token = user["token"]
    assert (await client.get("/api/v1/auths/", headers=bearer(token))).status_code == 200
    patched = await scim.patch(f"/Users/{user['id']}",
                               {"op": "replace", "path": "active", "value": False})
    assert patched["active"] is False
    assert (await client.get("/api/v1/auths/", headers=bearer(token))).status_code == 401
    assert (await _signin(client, "leaver@example.com", "leaver-pass-1")).status_code == 400
    listed = await scim.get("/Users", filter="active eq false")
    assert [u["id"] for u in listed["Resources"]] == [user["id"]]
    # Reactivated, the password works again, but the old token stays dead.
    await scim.patch(f"/Users/{user['id']}", {"op": "replace", "path": "active",
                                              "value": True})
    assert (await _signin(client, "leaver@example.com", "leaver-pass-1")).status_code == 200
    assert (await client.get("/api/v1/auths/", headers=bearer(token))).status_code == 401


async def test_deletion_ends_the_account_everywhere(client, scim, accounts):
    await accounts.admin()
    user = await accounts.user("gone@example.com", password="gone-pass-1")
    await scim.call("DELETE", f"/Users/{user['id']}", status=204)
    assert (await client.get("/api/v1/auths/", headers=bearer(user["token"]))).status_code == 401
    assert (await _signin(client, "gone@example.com", "gone-pass-1")).status_code == 400
    scim_error(await scim.call("GET", f"/Users/{user['id']}", status=404), 404)
    scim_error(await scim.call("DELETE", f"/Users/{user['id']}", status=404), 404)


async def test_put_replaces_and_derives_what_the_database_needs(client, scim, accounts):
    admin = await accounts.admin()
    created = await scim.create_user("kim", "kim@example.com", displayName="Kim K",
                                     title="Engineer", nickName="kk", timezone="Europe/Paris",
                                     password="kim-pass-1")
    user_id = created["id"]
    replaced = (await scim.call("PUT", f"/Users/{user_id}", {
        "schemas": [USER], "id": "ignored", "userName": "kim.k",
        "emails": [{"value": "kim.k@example.com", "primary": True}],
        "meta": {"resourceType": "ignored"}, "groups": [{"value": "ignored"}]})).json()
    assert replaced["id"] == user_id and replaced["userName"] == "kim.k"
    for cleared in ("title", "nickName", "timezone", "displayName"):
        assert cleared not in replaced, cleared
    assert replaced["active"] is True  # left out, it takes the server's default
    rest = (await client.get(f"/api/v1/users/{user_id}", headers=bearer(admin["token"]))).json()
    assert rest["name"] == "kim.k"  # the name falls back to the userName
    assert rest["email"] == "kim.k@example.com" and rest["timezone"] is None
    # The password (write-only, never returned) survives a PUT that leaves it out.
    assert (await _signin(client, "kim.k@example.com", "kim-pass-1")).status_code == 200


async def test_taken_user_names_and_emails_are_409_uniqueness(scim, accounts):
    await accounts.admin()
    first = await scim.create_user("first", "first@example.com")
    second = await scim.create_user("second", "second@example.com")
    for user_name, email in [("FIRST", "new@example.com"), ("fresh", "First@Example.com"),
                             ("admin@example.com", "another@example.com")]:
        body = {"schemas": [USER], "userName": user_name,
                "emails": [{"value": email, "primary": True}]}
        scim_error(await scim.call("POST", "/Users", body, status=409), 409, "uniqueness")
    patch = {"op": "replace", "path": "userName", "value": "First"}
    response = await scim.call("PATCH", f"/Users/{second['id']}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [patch]},
        status=409)
    scim_error(response, 409, "uniqueness")
    put = {"schemas": [USER], "userName": "second",
           "emails": [{"value": "first@example.com", "primary": True}]}
    scim_error(await scim.call("PUT", f"/Users/{second['id']}", put, status=409), 409,
               "uniqueness")
    assert (await scim.get(f"/Users/{first['id']}"))["userName"] == "first"


async def test_etags_make_conditional_requests_safe(scim, accounts):
    await accounts.admin()
    created = await scim.create_user("etag", "etag@example.com")
    path, version = f"/Users/{created['id']}", created["meta"]["version"]
    unchanged = await scim.call("GET", path, status=304, headers={"If-None-Match": version})
    assert unchanged.headers["etag"] == version
    changed = await scim.patch(path, {"op": "add", "path": "title", "value": "Boss"},
                               headers={"If-Match": version})
    assert changed["meta"]["version"] != version
    stale = await scim.call("PATCH", path, {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "title", "value": "Intern"}]},
        headers={"If-Match": version}, status=412)
    scim_error(stale, 412)
    put = {"schemas": [USER], "userName": "etag", "emails": [{"value": "etag@example.com"}]}
    scim_error(await scim.call("PUT", path, put, headers={"If-Match": version}, status=412),
               412)
    scim_error(await scim.call("DELETE", path, headers={"If-Match": version}, status=412), 412)
    assert (await scim.get(path))["title"] == "Boss"
    await scim.call("DELETE", path, headers={"If-Match": changed["meta"]["version"]},
                    status=204)


async def test_attributes_and_excluded_attributes_shape_responses(scim, accounts):
    await accounts.admin()
    created = await scim.create_user("shape", "shape@example.com", nickName="sh",
                                     name={"givenName": "Sha", "familyName": "Pe"},
                                     **{ENTERPRISE: {"department": "R&D", "division": "X"}})
    path = f"/Users/{created['id']}"
    only = await scim.get(path, attributes="name.givenName,emails.value")
    assert only == {"schemas": created["schemas"], "id": created["id"],
                    "name": {"givenName": "Sha"}, "emails": [{"value": "shape@example.com"}]}
    qualified = await scim.get(path, attributes=f"urn:ietf:params:scim:schemas:core:2.0:User:"
                                                f"nickName,{ENTERPRISE}:department")
    assert qualified["nickName"] == "sh" and qualified[ENTERPRISE] == {"department": "R&D"}
    without = await scim.get(path, excludedAttributes="emails,name.familyName,meta,id")
    assert "emails" not in without and "meta" not in without
    assert without["id"] == created["id"] and without["name"] == {"givenName": "Sha"}
    listed = await scim.get("/Users", attributes="userName", filter='userName eq "shape"')
    assert listed["Resources"] == [{"schemas": created["schemas"], "id": created["id"],
                                    "userName": "shape"}]


async def test_the_primary_admin_cannot_be_locked_out_over_scim(client, scim, accounts):
    admin = await accounts.admin()
    for operation in ({"op": "replace", "path": "active", "value": False},
                      {"op": "add", "path": "password", "value": "taken-over"}):
        response = await scim.call("PATCH", f"/Users/{admin['id']}", {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [operation]}, status=403)
        scim_error(response, 403)
    scim_error(await scim.call("DELETE", f"/Users/{admin['id']}", status=403), 403)
    renamed = await scim.patch(f"/Users/{admin['id']}",
                               {"op": "replace", "path": "displayName", "value": "Ada L."})
    assert renamed["displayName"] == "Ada L."
    assert (await client.get("/api/v1/auths/", headers=bearer(admin["token"]))).status_code == 200


async def test_external_ids_open_webui_stored_are_read_filtered_and_kept_in_step(app, scim,
                                                                                 accounts):
    """Open WebUI's own SCIM keeps externalId in user.scim[<provider>].external_id; a
    database it provisioned reads the same here, and a change here updates its entry."""
    await accounts.admin()
    user = await accounts.user("owui@example.com")
    async with app.state.services.engine.begin() as conn:
        await conn.execute(
            update(UserRow).where(UserRow.id == user["id"])
            .values(scim={"microsoft": {"external_id": "entra-oid-1"}}))
    found = await scim.get("/Users", filter='externalId eq "entra-oid-1"')
    assert [u["id"] for u in found["Resources"]] == [user["id"]]
    assert found["Resources"][0]["externalId"] == "entra-oid-1"
    await scim.patch(f"/Users/{user['id']}", {"op": "replace", "path": "externalId",
                                              "value": "entra-oid-2"})
    async with app.state.services.engine.connect() as conn:
        stored = (await conn.execute(select(UserRow.scim).where(UserRow.id == user["id"]))
                  ).scalar_one()
    assert stored["microsoft"] == {"external_id": "entra-oid-2"}
    assert await scim.filter('externalId eq "entra-oid-1"') == []
    assert await scim.filter('externalId eq "entra-oid-2"') == ["owui@example.com"]
