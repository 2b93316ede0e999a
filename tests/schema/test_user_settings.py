"""The caller's settings, info and permissions, and the default permissions, over
GraphQL: the resolvers behind Open WebUI's `/api/v1/users/user/*` routes, so both
surfaces see one state."""

from resolvers.users.permissions import DEFAULT_PERMISSIONS
from tests.conftest import bearer
from tests.schema.conftest import error_codes

VIEWER = "{ viewer { email settings info permissions } }"
SETTINGS = """
mutation Settings($input: UpdateViewerSettingsInput!) {
  updateViewerSettings(input: $input) { settings }
}"""
INFO = "mutation Info($input: UpdateViewerInfoInput!) { updateViewerInfo(input: $input) { info } }"
DEFAULTS = """
mutation Defaults($input: UpdateDefaultPermissionsInput!) {
  updateDefaultPermissions(input: $input) { permissions }
}"""


async def test_settings_and_info_are_shared_with_rest(client, graphql):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "gql@example.com"))["token"]
    viewer = (await graphql.ok(VIEWER, token=user))["viewer"]
    assert viewer["settings"] is None and viewer["info"] is None
    assert viewer["permissions"] == DEFAULT_PERMISSIONS
    saved = await graphql.ok(SETTINGS, {"input": {"settings": {"ui": {"theme": "dark"}}}},
                             token=user)
    assert saved["updateViewerSettings"]["settings"] == {"ui": {"theme": "dark"}}
    rest = await client.get("/api/v1/users/user/settings", headers=bearer(user))
    assert rest.json() == {"ui": {"theme": "dark"}}
    await client.post("/api/v1/users/user/info/update", headers=bearer(user), json={"a": 1})
    info = await graphql.ok(INFO, {"input": {"info": {"b": 2}}}, token=user)
    assert info["updateViewerInfo"]["info"] == {"a": 1, "b": 2}
    assert (await graphql.ok(VIEWER, token=user))["viewer"]["info"] == {"a": 1, "b": 2}
    bad = await graphql(SETTINGS, {"input": {"settings": ["not", "an", "object"]}},
                        token=user)
    assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_default_permissions_for_administrators_only(graphql):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "plain@example.com"))["token"]
    assert (await graphql.ok("{ defaultPermissions }", token=admin))[
        "defaultPermissions"] == DEFAULT_PERMISSIONS
    changed = await graphql.ok(DEFAULTS, {"input": {"permissions": {
        "workspace": {"models": True}}}}, token=admin)
    assert changed["updateDefaultPermissions"]["permissions"]["workspace"]["models"] is True
    viewer = (await graphql.ok(VIEWER, token=user))["viewer"]
    assert viewer["permissions"]["workspace"]["models"] is True
    refused = await graphql("{ defaultPermissions }", token=user)
    assert error_codes(refused) == ["FORBIDDEN"]
    bad = await graphql(DEFAULTS, {"input": {"permissions": {"chat": {"delete": "no"}}}},
                        token=admin)
    assert error_codes(bad) == ["BAD_USER_INPUT"]
