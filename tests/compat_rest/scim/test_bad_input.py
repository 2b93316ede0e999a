"""Bad input gets the right SCIM error and writes nothing: malformed JSON, unknown
schemas or attributes, wrong types, bodies too large."""

import pytest

from tests.compat_rest.scim.conftest import GROUP, TOKEN, USER, scim_error

GOOD = {"schemas": [USER], "userName": "ok", "emails": [{"value": "ok@example.com"}]}


BAD_BODIES = [
    (b"{not json", "invalidSyntax"),
    (b"", "invalidSyntax"),
    (b"[" * 5000 + b"]" * 5000, "invalidSyntax"),
    (b'["a list"]', "invalidSyntax"),
    (b'{"userName": "no-schemas", "emails": [{"value": "n@example.com"}]}', "invalidSyntax"),
    (b'{"schemas": ["urn:example:Printer"], "userName": "x"}', "invalidSyntax"),
    (b'{"schemas": ["' + GROUP.encode() + b'"], "userName": "x"}', "invalidSyntax"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "x", "favouriteColour": "red"}',
     "invalidSyntax"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "x", "name": {"nick": "y"}}',
     "invalidSyntax"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": 42}', "invalidValue"),
    (b'{"schemas": ["' + USER.encode() + b'"], "emails": [{"value": "a@example.com"}]}',
     "invalidValue"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "x", "active": "sometimes",'
     b' "emails": [{"value": "x@example.com"}]}', "invalidValue"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "x", "emails": "x@example.com"}',
     "invalidValue"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "x", "emails": [{"value": "a@e.x",'
     b' "primary": true}, {"value": "b@e.x", "primary": true}]}', "invalidValue"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "no-address"}', "invalidValue"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "x", "name": "Plain Name",'
     b' "emails": [{"value": "x@example.com"}]}', "invalidValue"),
    (b'{"schemas": ["' + USER.encode() + b'"], "userName": "x", "displayName": "' +
     b"n" * 300 + b'", "emails": [{"value": "x@example.com"}]}', "invalidValue"),
]


async def test_bad_bodies_are_refused_and_nothing_is_written(client, scim, accounts):
    await accounts.admin()
    for body, scim_type in BAD_BODIES:
        response = await client.post("/scim/v2/Users", content=body, headers=scim.headers)
        scim_error(response, 400, scim_type)
    assert (await scim.get("/Users"))["totalResults"] == 1  # only the admin


async def test_plain_json_is_accepted_too(client, scim):
    response = await client.post("/scim/v2/Users", json=GOOD, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    assert response.status_code == 201
    assert response.headers["location"] == response.json()["meta"]["location"]


async def test_put_and_patch_check_their_bodies_too(scim, accounts):
    await accounts.admin()
    user = await scim.create_user("checked", "checked@example.com")
    path = f"/Users/{user['id']}"
    scim_error(await scim.call("PUT", path, {"schemas": [USER], "userName": ["x"]},
                               status=400), 400, "invalidValue")
    scim_error(await scim.call("PUT", "/Users/missing", GOOD, status=404), 404)
    scim_error(await scim.call("PATCH", "/Users/missing", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "title", "value": "x"}]}, status=404), 404)
    assert (await scim.get(path))["meta"]["version"] == user["meta"]["version"]


@pytest.mark.parametrize("env_overrides", [
    {"ENABLE_SCIM": "true", "SCIM_TOKEN": TOKEN, "MAX_BODY_SIZE": "2KB"}])
async def test_a_body_too_large_is_a_scim_413(client, scim, env_overrides):
    big = {**GOOD, "title": "x" * 4096}
    scim_error(await client.post("/scim/v2/Users", json=big, headers=scim.headers), 413)
    scim_error(await client.post("/api/v1/scim/v2/Groups", json=big, headers=scim.headers),
               413)
    openwebui = await client.post("/api/v1/auths/signin", json=big)
    assert openwebui.status_code == 413 and "detail" in openwebui.json()
