"""Who may call SCIM: the provisioning client's token and nothing else; and that token
works nowhere else. SCIM is off unless enabled, and cannot be enabled without a token."""

import subprocess
import sys

import pytest

from data.settings import SettingsError, load_settings
from tests.compat_rest.scim.conftest import TOKEN, USER, scim_error
from tests.conftest import bearer
from tests.support.server import ROOT


async def test_resource_routes_need_the_provisioning_token(client):
    missing = scim_error(await client.get("/scim/v2/Users"), 401)
    assert missing["detail"]
    assert (await client.get("/scim/v2/Users")).headers["www-authenticate"].startswith("Bearer")
    for header in ("Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"):
        scim_error(await client.get("/scim/v2/Users", headers={"Authorization": header}), 401)
    ok = await client.get("/scim/v2/Users", headers={"authorization": f"bearer {TOKEN}"})
    assert ok.status_code == 200


async def test_no_user_credential_works_on_scim(client, accounts):
    admin = await accounts.admin()
    token = admin["token"]
    for headers, cookie in [(bearer(token), None), ({"x-api-key": token}, None),
                            ({}, token)]:
        if cookie:
            client.cookies.set("token", cookie)
        response = await client.post("/scim/v2/Users", headers=headers,
                                     json={"schemas": [USER], "userName": "x@example.com"})
        scim_error(response, 401)
        client.cookies.clear()


async def test_the_scim_token_works_nowhere_else(client, accounts):
    await accounts.admin()
    headers = bearer(TOKEN)
    assert (await client.get("/api/v1/auths/", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/users/", headers=headers)).status_code == 401
    graphql = await client.post("/graphql", headers=headers, json={"query": "{ viewer { id } }"})
    assert graphql.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("env_overrides", [{}], indirect=False)
async def test_scim_is_off_unless_enabled(client, env_overrides):
    for path in ("/scim/v2/ServiceProviderConfig", "/scim/v2/Users",
                 "/api/v1/scim/v2/Schemas"):
        response = await client.get(path, headers=bearer(TOKEN))
        body = scim_error(response, 404)
        assert "ENABLE_SCIM" in body["detail"]


def test_enabling_scim_needs_a_token(tmp_path):
    base = {"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k"}
    with pytest.raises(SettingsError, match="SCIM_TOKEN"):
        load_settings(base | {"ENABLE_SCIM": "true"})
    with pytest.raises(SettingsError, match="SCIM_ENABLED"):
        load_settings(base | {"SCIM_ENABLED": "true", "SCIM_TOKEN": "  "})
    enabled = load_settings(base | {"ENABLE_SCIM": "true", "SCIM_TOKEN": " t0ken "})
    assert enabled.scim_enabled and enabled.scim_token == "t0ken"
    assert not load_settings(base).scim_enabled
    result = subprocess.run([sys.executable, "asgi.py"], cwd=ROOT, capture_output=True,
                            text=True, timeout=30,
                            env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path),
                                 "ENABLE_SCIM": "true"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SCIM_TOKEN" in lines[0], result.stderr
