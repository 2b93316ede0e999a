"""Open WebUI's smaller `/api/v1/auths` routes: the time zone the web client reports,
and LDAP sign-in, which is not offered here."""

from tests.conftest import bearer


async def test_time_zone_of_any_signed_in_account(client, accounts):
    await accounts.admin()
    pending = await accounts.user("tz@example.com", role="pending")
    headers = bearer(pending["token"])
    saved = await client.post("/api/v1/auths/update/timezone", headers=headers,
                              json={"timezone": "Europe/Paris"})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"status": True} and saved.headers["cache-control"] == "no-store"
    listed = await client.get("/api/v1/users/all", headers=bearer(accounts.admin_token))
    mine = [u for u in listed.json()["users"] if u["id"] == pending["id"]]
    assert mine[0]["timezone"] == "Europe/Paris"
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "x" * 100):
        refused = await client.post("/api/v1/auths/update/timezone", headers=headers,
                                    json={"timezone": bad})
        assert refused.status_code == 400, bad
    assert (await client.post("/api/v1/auths/update/timezone", headers=headers,
                              json={})).json() == {"detail": "Invalid authentication request."}
    anonymous = await client.post("/api/v1/auths/update/timezone",
                                  json={"timezone": "Europe/Paris"})
    assert anonymous.status_code == 401
    graphql_answer = await client.post("/graphql", headers=headers, json={
        "query": 'mutation { updateViewerTimezone(input: {timezone: "Asia/Tokyo"}) '
                 "{ user { timezone } } }"})
    assert graphql_answer.json()["data"]["updateViewerTimezone"]["user"] == {
        "timezone": "Asia/Tokyo"}


async def test_ldap_sign_in_is_refused_as_not_enabled(client):
    refused = await client.post("/api/v1/auths/ldap", json={"user": "u", "password": "p"})
    assert refused.status_code == 400 and "LDAP" in refused.json()["detail"]
    assert (await client.get("/api/config")).json()["features"]["enable_ldap"] is False
    bad = await client.post("/api/v1/auths/ldap", json={"user": "u"})
    assert bad.status_code == 422
