"""Open WebUI's auth routes: sign-up rules, sign-in, sessions, revocation, API keys."""

import pytest
from sqlalchemy import text

from tests.conftest import bearer


async def test_first_signup_is_admin_and_closes_signup(client, accounts):
    admin = await accounts.admin()
    assert admin["token_type"] == "Bearer" and admin["expires_at"] > 0
    assert admin["profile_image_url"] == f"/api/v1/users/{admin['id']}/profile/image"
    assert "features" in admin["permissions"]
    late = await client.post("/api/v1/auths/signup", json={
        "name": "Late", "email": "late@example.com", "password": "pw-123456"})
    assert late.status_code == 403
    assert "permission" in late.json()["detail"]


async def test_admin_reopens_signup_and_later_signups_get_default_role(client, accounts):
    await accounts.admin()
    headers = bearer(accounts.admin_token)
    config = await client.get("/api/v1/auths/admin/config", headers=headers)
    assert config.json()["ENABLE_SIGNUP"] is False
    assert config.json()["DEFAULT_USER_ROLE"] == "pending"
    updated = await client.post("/api/v1/auths/admin/config", headers=headers,
                                json={"ENABLE_SIGNUP": True})
    assert updated.status_code == 200 and updated.json()["ENABLE_SIGNUP"] is True
    # A role in the body is ignored: the default role applies.
    joined = await client.post("/api/auth/signup", json={
        "name": "Pat", "email": "Pat@Example.com", "password": "pw-123456", "role": "admin"})
    assert joined.status_code == 200, joined.text
    assert joined.json()["role"] == "pending" and joined.json()["email"] == "pat@example.com"
    pending = bearer(joined.json()["token"])
    # Pending accounts sign in, but Open WebUI answers 401 on approved-only routes.
    assert (await client.get("/api/v1/auths/", headers=pending)).status_code == 200
    refused = await client.get("/api/v1/users/some-id/info", headers=pending)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("You do not have permission")


async def test_admin_config_rejects_bad_values(client, accounts):
    await accounts.admin()
    headers = bearer(accounts.admin_token)
    for body in ({"DEFAULT_USER_ROLE": "root"}, {"JWT_EXPIRES_IN": "soon"},
                 {"ENABLE_SIGNUP": "maybe"}):
        response = await client.post("/api/v1/auths/admin/config", headers=headers, json=body)
        assert 400 <= response.status_code < 500, body
    assert (await client.get("/api/v1/auths/admin/config", headers=headers)
            ).json()["DEFAULT_USER_ROLE"] == "pending"


async def test_signin_both_route_styles_sets_http_only_cookie(client, accounts):
    await accounts.admin(password="right-pass-1")
    for path in ("/api/v1/auths/signin", "/api/auth/signin", "/api/v1/auths/signin/"):
        response = await client.post(path, json={"email": "ADMIN@example.com",
                                                 "password": "right-pass-1"})
        assert response.status_code == 200, (path, response.text)
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("token=") and "HttpOnly" in cookie and "Path=/" in cookie
        assert response.headers["cache-control"] == "no-store"
    # The cookie alone authenticates.
    client.cookies.set("token", response.json()["token"])
    assert (await client.get("/api/v1/auths/")).status_code == 200
    client.cookies.clear()


async def test_unknown_email_and_wrong_password_answer_alike(client, accounts):
    await accounts.admin()
    wrong = await client.post("/api/v1/auths/signin", json={
        "email": "admin@example.com", "password": "nope"})
    unknown = await client.post("/api/v1/auths/signin", json={
        "email": "ghost@example.com", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


async def test_signin_is_rate_limited_per_email(client, accounts):
    await accounts.admin()
    statuses = [(await client.post("/api/v1/auths/signin", json={
        "email": "admin@example.com", "password": "bad"})).status_code for _ in range(16)]
    assert statuses[:15] == [400] * 15 and statuses[15] == 429
    limited = await client.post("/api/v1/auths/signin", json={
        "email": "admin@example.com", "password": "admin-pass-1"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    other = await client.post("/api/v1/auths/signin", json={
        "email": "other@example.com", "password": "bad"})
    assert other.status_code == 400


async def test_signout_revokes_the_token(client, accounts):
    admin = await accounts.admin()
    second = (await client.post("/api/v1/auths/signin", json={
        "email": "admin@example.com", "password": "admin-pass-1"})).json()["token"]
    out = await client.post("/api/v1/auths/signout", headers=bearer(admin["token"]))
    assert out.status_code == 200 and out.json() == {"status": True}
    assert 'token=""' in out.headers["set-cookie"] or "token=;" in out.headers["set-cookie"]
    assert (await client.get("/api/v1/auths/", headers=bearer(admin["token"]))).status_code == 401
    # Only that token: another session of the same account lives on.
    assert (await client.get("/api/v1/auths/", headers=bearer(second))).status_code == 200
    # Signing out without a token is fine.
    assert (await client.post("/api/auth/signout")).status_code == 200


async def test_password_change_ends_every_session(client, accounts):
    admin = await accounts.admin()
    headers = bearer(admin["token"])
    wrong = await client.post("/api/v1/auths/update/password", headers=headers,
                              json={"password": "not-it", "new_password": "new-pass-2"})
    assert wrong.status_code == 400
    changed = await client.post("/api/v1/auths/update/password", headers=headers,
                                json={"password": "admin-pass-1", "new_password": "new-pass-2"})
    assert changed.status_code == 200 and changed.json() is True
    assert (await client.get("/api/v1/auths/", headers=headers)).status_code == 401
    old = await client.post("/api/v1/auths/signin", json={
        "email": "admin@example.com", "password": "admin-pass-1"})
    new = await client.post("/api/v1/auths/signin", json={
        "email": "admin@example.com", "password": "new-pass-2"})
    assert old.status_code == 400 and new.status_code == 200


async def test_admin_revokes_a_users_sessions(client, accounts):
    await accounts.admin()
    user = await accounts.user("u@example.com")
    admin = bearer(accounts.admin_token)
    revoked = await client.post(f"/api/v1/users/{user['id']}/sessions/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json() is True
    assert (await client.get("/api/v1/auths/", headers=bearer(user["token"]))).status_code == 401
    missing = await client.post("/api/v1/users/nobody/sessions/revoke", headers=admin)
    assert missing.status_code == 404


async def test_deactivated_account_is_refused_everywhere(app, client, accounts):
    await accounts.admin()
    user = await accounts.user("quiet@example.com")
    async with app.state.services.engine.begin() as conn:
        await conn.execute(text("UPDATE auth SET active = :f WHERE id = :id"),
                           {"f": False, "id": user["id"]})
    assert (await client.get("/api/v1/auths/", headers=bearer(user["token"]))).status_code == 401
    signin = await client.post("/api/v1/auths/signin", json={
        "email": "quiet@example.com", "password": "user-pass-1"})
    assert signin.status_code == 400


async def test_api_keys(app, client, accounts):
    await accounts.admin()
    headers = bearer(accounts.admin_token)
    assert (await client.post("/api/v1/auths/api_key", headers=headers)).status_code == 403
    await client.post("/api/v1/auths/admin/config", headers=headers,
                      json={"ENABLE_API_KEYS": True})
    assert (await client.get("/api/v1/auths/api_key", headers=headers)).status_code == 404
    created = await client.post("/api/v1/auths/api_key", headers=headers)
    key = created.json()["api_key"]
    assert key.startswith("sk-") and len(key) == 35
    # Stored as a digest, never the key itself.
    async with app.state.services.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT key FROM api_key"))).scalar_one()
    assert key not in stored
    shown = (await client.get("/api/v1/auths/api_key", headers=headers)).json()["api_key"]
    assert shown.endswith(key[-4:]) and shown != key
    for via in (bearer(key), {"x-api-key": key}):
        assert (await client.get("/api/v1/users/", headers=via)).status_code == 200
    # Sessions that need a person refuse keys.
    assert (await client.get("/api/v1/auths/", headers=bearer(key))).status_code == 403
    await client.post("/api/v1/auths/admin/config", headers=headers,
                      json={"ENABLE_API_KEYS": False})
    refused = await client.get("/api/v1/users/", headers=bearer(key))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Use of API key is not enabled in the environment."


async def test_non_admin_needs_the_api_key_permission(client, accounts):
    await accounts.admin()
    user = await accounts.user("keyless@example.com")
    await client.post("/api/v1/auths/admin/config", headers=bearer(accounts.admin_token),
                      json={"ENABLE_API_KEYS": True})
    response = await client.post("/api/v1/auths/api_key", headers=bearer(user["token"]))
    assert response.status_code == 403


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"email": 5, "password": []}',
                                  b'{"email": "a@b.co"}'])
async def test_bad_auth_bodies_get_422_in_open_webui_shape(client, body):
    response = await client.post("/api/v1/auths/signin", content=body,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"detail": "Invalid authentication request."}


async def test_signup_validates_values(client):
    for body in ({"name": "A", "email": "not-an-email", "password": "pw"},
                 {"name": "", "email": "a@example.com", "password": "pw"},
                 {"name": "A", "email": "a@example.com", "password": ""}):
        response = await client.post("/api/v1/auths/signup", json=body)
        assert response.status_code == 400, body
    avatar = await client.post("/api/v1/auths/signup", json={
        "name": "A", "email": "a@example.com", "password": "pw",
        "profile_image_url": "javascript:alert(1)"})
    assert avatar.status_code == 422
    # Nothing half-written: the address is still free.
    ok = await client.post("/api/v1/auths/signup", json={
        "name": "A", "email": "a@example.com", "password": "pw"})
    assert ok.status_code == 200


async def test_email_is_unique_case_insensitively(client, accounts):
    await accounts.admin()
    response = await client.post("/api/v1/auths/add", headers=bearer(accounts.admin_token), json={
        "name": "Twin", "email": "ADMIN@EXAMPLE.COM", "password": "pw-123456"})
    assert response.status_code == 400
    assert "already registered" in response.json()["detail"]


async def test_body_over_the_limit_is_413(client):
    big = b'{"email": "' + b"a" * (33 * 1024 * 1024) + b'", "password": "x"}'
    response = await client.post("/api/v1/auths/signin", content=big,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


async def test_a_streamed_body_over_the_limit_is_413(client):
    """Sent in chunks without a declared length: counted as it arrives."""
    async def chunks():
        yield b'{"email": "'
        for _ in range(33):
            yield b"a" * (1024 * 1024)
        yield b'", "password": "x"}'

    response = await client.post("/api/v1/auths/signin", content=chunks(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


async def _stored_hash(app, email: str) -> str:
    async with app.state.services.engine.connect() as conn:
        return (await conn.execute(text("SELECT password FROM auth WHERE email = :e"),
                                   {"e": email})).scalar_one()


async def test_new_passwords_are_hashed_at_the_configured_argon2_cost(app, accounts):
    await accounts.admin()  # the suite configures argon2's cheapest cost (tests/conftest.py)
    assert (await _stored_hash(app, "admin@example.com")).startswith(
        "$argon2id$v=19$m=8,t=1,p=1$")


@pytest.mark.parametrize("env_overrides", [{"PASSWORD_ARGON2_PARAMS": ""}])
async def test_without_a_configured_cost_passwords_get_the_recommended_one(app, accounts):
    await accounts.admin()
    assert (await _stored_hash(app, "admin@example.com")).startswith(
        "$argon2id$v=19$m=65536,t=3,p=4$")
