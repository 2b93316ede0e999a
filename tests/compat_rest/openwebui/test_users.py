"""Open WebUI's user routes and the documented short routes."""


from tests.conftest import bearer


async def test_list_users_pages_and_searches(client, accounts):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    for i in range(3):
        await accounts.user(f"member{i}@example.com", name=f"Member {i}")
    listed = await client.get("/api/v1/users/", headers=admin)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 4 and len(body["users"]) == 4
    first = body["users"][0]
    assert {"id", "email", "role", "name", "profile_image_url", "group_ids", "created_at",
            "last_active_at", "updated_at", "settings", "info"} <= first.keys()
    searched = await client.get("/api/users", params={"query": "member 1"}, headers=admin)
    assert [u["email"] for u in searched.json()["users"]] == ["member1@example.com"]
    by_name = await client.get("/api/v1/users/", headers=admin,
                               params={"order_by": "name", "direction": "asc"})
    names = [u["name"] for u in by_name.json()["users"]]
    assert names == sorted(names)
    beyond = await client.get("/api/v1/users/", params={"page": 2}, headers=admin)
    assert beyond.json() == {"users": [], "total": 4}
    bad_page = await client.get("/api/v1/users/", params={"page": "zero"}, headers=admin)
    assert bad_page.status_code == 422 and isinstance(bad_page.json()["detail"], list)


async def test_non_admins_are_refused_with_open_webuis_401(client, accounts):
    await accounts.admin()
    user = await accounts.user("plain@example.com")
    for method, path in [("GET", "/api/v1/users/"), ("GET", "/api/users"),
                         ("GET", f"/api/users/{user['id']}"),
                         ("DELETE", f"/api/users/{user['id']}")]:
        response = await client.request(method, path, headers=bearer(user["token"]))
        assert response.status_code == 401, path
    info = await client.get(f"/api/v1/users/{user['id']}/info", headers=bearer(user["token"]))
    assert info.status_code == 200 and info.json()["email"] == "plain@example.com"


async def test_get_update_and_delete(client, accounts):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = await accounts.user("change@example.com")
    got = await client.get(f"/api/users/{user['id']}", headers=admin)
    assert got.status_code == 200
    assert got.json()["groups"] == [] and got.json()["is_active"] is True
    assert (await client.get("/api/v1/users/missing", headers=admin)).status_code == 400
    updated = await client.post(f"/api/v1/users/{user['id']}/update", headers=admin, json={
        "name": "Renamed", "email": "Renamed@Example.com", "role": "pending"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["email"] == "renamed@example.com"
    assert updated.json()["role"] == "pending"
    taken = await client.post(f"/api/users/{user['id']}", headers=admin,
                              json={"email": "admin@example.com"})
    assert taken.status_code == 400
    bad_role = await client.post(f"/api/users/{user['id']}", headers=admin, json={"role": "boss"})
    assert bad_role.status_code == 400
    signin = await client.post("/api/v1/auths/signin", json={
        "email": "renamed@example.com", "password": "user-pass-1"})
    assert signin.status_code == 200
    deleted = await client.delete(f"/api/users/{user['id']}", headers=admin)
    assert deleted.status_code == 200 and deleted.json() is True
    assert (await client.get(f"/api/users/{user['id']}", headers=admin)).status_code == 400
    gone = await client.post("/api/v1/auths/signin", json={
        "email": "renamed@example.com", "password": "user-pass-1"})
    assert gone.status_code == 400


async def test_admin_password_reset_logs_the_user_out(client, accounts):
    await accounts.admin()
    user = await accounts.user("reset@example.com")
    reset = await client.post(f"/api/v1/users/{user['id']}/update",
                              headers=bearer(accounts.admin_token), json={"password": "fresh-1"})
    assert reset.status_code == 200
    assert (await client.get("/api/v1/auths/", headers=bearer(user["token"]))).status_code == 401


async def test_primary_admin_and_self_are_protected(client, accounts):
    primary = await accounts.admin()
    # Created within the same second: the primary admin is still the first account.
    second = await accounts.user("second-admin@example.com", role="admin")
    other = bearer(second["token"])
    assert (await client.delete(f"/api/v1/users/{primary['id']}", headers=other)
            ).status_code == 403
    assert (await client.post(f"/api/v1/users/{primary['id']}/update", headers=other,
                              json={"name": "Usurped"})).status_code == 403
    own = bearer(primary["token"])
    assert (await client.delete(f"/api/v1/users/{primary['id']}", headers=own)).status_code == 403
    demote = await client.post(f"/api/v1/users/{primary['id']}/update", headers=own,
                               json={"role": "user"})
    assert demote.status_code == 403
    assert (await client.delete(f"/api/v1/users/{second['id']}", headers=own)).status_code == 200


async def test_profile_update_and_image(client, accounts):
    admin = await accounts.admin()
    headers = bearer(admin["token"])
    png = "data:image/png;base64,iVBORw0KGgo="
    response = await client.post("/api/v1/auths/update/profile", headers=headers, json={
        "name": "Ada L.", "profile_image_url": png, "bio": "hi", "date_of_birth": "1815-12-10"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Ada L."
    image = await client.get(f"/api/v1/users/{admin['id']}/profile/image", headers=headers)
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG")
    bad = await client.post("/api/v1/auths/update/profile", headers=headers, json={
        "name": "Ada", "profile_image_url": "/user.png", "date_of_birth": "yesterday"})
    assert bad.status_code == 400
