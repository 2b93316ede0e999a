from tests.conftest import bearer


async def test_health_ready_version(client):
    assert (await client.get("/health")).json() == {"status": True}
    assert (await client.get("/ready")).json() == {"status": True}
    assert (await client.get("/health/db")).json() == {"status": True}
    version = (await client.get("/api/version")).json()
    assert version["version"] and version["deployment_id"] == ""


async def test_config_for_anonymous_and_signed_in_callers(client, accounts):
    anonymous = (await client.get("/api/config")).json()
    assert anonymous["name"] == "Parley" and anonymous["onboarding"] is True
    assert anonymous["features"]["enable_signup"] is True
    assert "enable_api_keys" not in anonymous["features"]
    admin = await accounts.admin()
    after = (await client.get("/api/config")).json()
    assert "onboarding" not in after and after["features"]["enable_signup"] is False
    signed_in = (await client.get("/api/config/", headers=bearer(admin["token"]))).json()
    assert signed_in["features"]["enable_api_keys"] is False
    assert "permissions" in signed_in and "default_models" in signed_in
    # A bad token is treated as anonymous here, as Open WebUI does.
    assert (await client.get("/api/config", headers=bearer("junk"))).status_code == 200


async def test_unknown_route_is_a_json_404(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
