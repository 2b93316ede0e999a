"""Open WebUI's routes for one's own settings, info and permissions, the default
permissions, and the list of every account: answered at their own paths, never taken
for `/users/{user_id}`."""

from resolvers.context import Context
from resolvers.users.permissions import DEFAULT_PERMISSIONS
from tests.conftest import bearer

V1 = "/api/v1/users"


async def test_own_permissions_are_not_read_as_a_user_id(client, accounts):
    await accounts.admin()
    user = await accounts.user("perm@example.com")
    response = await client.get(f"{V1}/permissions", headers=bearer(user["token"]))
    assert response.status_code == 200, response.text
    assert response.json() == DEFAULT_PERMISSIONS
    pending = await accounts.user("wait@example.com", role="pending")
    refused = await client.get(f"{V1}/permissions", headers=bearer(pending["token"]))
    assert refused.status_code == 401


async def test_settings_are_patched_key_by_key_under_ui(client, accounts):
    await accounts.admin()
    user = await accounts.user("settings@example.com")
    headers = bearer(user["token"])
    first = await client.get(f"{V1}/user/settings", headers=headers)
    assert first.status_code == 200 and first.json() is None
    saved = await client.post(f"{V1}/user/settings/update", headers=headers, json={
        "ui": {"theme": "dark", "models": ["llama3"], "toolServers": [{"url": "http://t"}]},
        "functions": {"valves": {}}})
    assert saved.status_code == 200, saved.text
    # Without features.direct_tool_servers the tool servers are dropped, as Open WebUI does.
    assert saved.json() == {"ui": {"theme": "dark", "models": ["llama3"]},
                            "functions": {"valves": {}}}
    patched = await client.post(f"{V1}/user/settings/update", headers=headers,
                                json={"ui": {"theme": None, "chatBubble": False}})
    assert patched.json() == {"ui": {"models": ["llama3"], "chatBubble": False},
                              "functions": {"valves": {}}}
    assert (await client.get(f"{V1}/user/settings", headers=headers)).json() == patched.json()
    for bad in ([1, 2], {"ui": "dark"}, "text"):
        refused = await client.post(f"{V1}/user/settings/update", headers=headers, json=bad)
        assert refused.status_code == 422, bad
    assert (await client.get(f"{V1}/user/settings", headers=headers)).json() == patched.json()


async def test_admins_keep_tool_servers_and_defaults_fill_unset_keys(app, client, accounts):
    admin = await accounts.admin()
    headers = bearer(admin["token"])
    servers = [{"url": "http://tools.example"}]
    saved = await client.post(f"{V1}/user/settings/update", headers=headers,
                              json={"ui": {"toolServers": servers, "theme": "light"}})
    assert saved.json()["ui"] == {"toolServers": servers, "theme": "light"}
    async with Context(app.state.services).unit_of_work(write=True) as ctx:
        await ctx.services.config.set(ctx.session, {"ui.default_interface_settings": {
            "theme": "dark", "widescreenMode": True}})
    merged = await client.get(f"{V1}/user/settings", headers=headers)
    assert merged.json()["ui"] == {"toolServers": servers, "theme": "light",
                                   "widescreenMode": True}
    raw = await client.get(f"{V1}/user/settings", params={"raw": "true"}, headers=headers)
    assert raw.json()["ui"] == {"toolServers": servers, "theme": "light"}


async def test_info_is_merged_shallowly(client, accounts):
    await accounts.admin()
    user = await accounts.user("info@example.com")
    headers = bearer(user["token"])
    assert (await client.get(f"{V1}/user/info", headers=headers)).json() is None
    first = await client.post(f"{V1}/user/info/update", headers=headers,
                              json={"location": "Paris", "tags": ["a"]})
    assert first.status_code == 200 and first.json() == {"location": "Paris", "tags": ["a"]}
    second = await client.post(f"{V1}/user/info/update", headers=headers,
                               json={"tags": ["b"]})
    assert second.json() == {"location": "Paris", "tags": ["b"]}
    assert (await client.get(f"{V1}/user/info", headers=headers)).json() == second.json()
    refused = await client.post(f"{V1}/user/info/update", headers=headers, json=["x"])
    assert refused.status_code == 422


async def test_all_users_for_admins(client, accounts):
    admin = await accounts.admin()
    user = await accounts.user("listed@example.com", name="Listed")
    listed = await client.get(f"{V1}/all", headers=bearer(admin["token"]))
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 2 and sorted(u["email"] for u in body["users"]) == [
        "admin@example.com", "listed@example.com"]
    assert set(body["users"][0]) == {
        "id", "name", "email", "role", "bio", "last_active_at", "timezone", "groups",
        "is_active", "status_emoji", "status_message", "status_expires_at"}
    assert body["users"][0]["groups"] == []
    refused = await client.get(f"{V1}/all", headers=bearer(user["token"]))
    assert refused.status_code == 401


async def test_default_permissions_reach_every_account(client, accounts):
    admin = await accounts.admin()
    user = await accounts.user("defaults@example.com")
    headers = bearer(admin["token"])
    got = await client.get(f"{V1}/default/permissions", headers=headers)
    assert got.status_code == 200 and got.json() == DEFAULT_PERMISSIONS
    changed = await client.post(f"{V1}/default/permissions", headers=headers,
                                json={"chat": {"delete": False}, "workspace": {"models": True}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["chat"]["delete"] is False
    assert changed.json()["chat"]["edit"] is True  # flags left out keep their value
    own = await client.get(f"{V1}/permissions", headers=bearer(user["token"]))
    assert own.json()["chat"]["delete"] is False and own.json()["workspace"]["models"] is True
    assert (await client.get(f"{V1}/default/permissions", headers=headers)).json() == (
        changed.json())
    bad = await client.post(f"{V1}/default/permissions", headers=headers,
                            json={"chat": {"delete": "sometimes"}})
    assert bad.status_code == 422
    for method in ("GET", "POST"):
        refused = await client.request(method, f"{V1}/default/permissions",
                                       headers=bearer(user["token"]), json={})
        assert refused.status_code == 401, method


async def test_search_and_activity_for_approved_accounts(client, accounts):
    await accounts.admin()
    user = await accounts.user("seeker@example.com", name="Seeker")
    await accounts.user("zed@example.com", name="Zed Zebra")
    headers = bearer(user["token"])
    found = await client.get(f"{V1}/search", params={"query": "zebra"}, headers=headers)
    assert found.status_code == 200, found.text
    assert found.json()["total"] == 1
    assert [u["email"] for u in found.json()["users"]] == ["zed@example.com"]
    assert "settings" not in found.json()["users"][0]  # the public card's fields only
    everyone = await client.get(f"{V1}/search", params={"order_by": "name",
                                                          "direction": "asc"}, headers=headers)
    names = [u["name"] for u in everyone.json()["users"]]
    assert names == sorted(names) and everyone.json()["total"] == 3
    bad = await client.get(f"{V1}/search", params={"order_by": "password"}, headers=headers)
    assert bad.status_code == 400
    for page in ("0", "x", "99999999999999999999"):
        refused = await client.get(f"{V1}/search", params={"page": page}, headers=headers)
        assert refused.status_code == 422, page
    active = await client.get(f"{V1}/{user['id']}/active", headers=headers)
    assert active.status_code == 200 and active.json() == {"active": True}
    unknown = await client.get(f"{V1}/no-such-user/active", headers=headers)
    assert unknown.json() == {"active": False}
    pending = await accounts.user("p@example.com", role="pending")
    refused = await client.get(f"{V1}/search", headers=bearer(pending["token"]))
    assert refused.status_code == 401
