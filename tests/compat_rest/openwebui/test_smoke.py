from tests.conftest import bearer


async def test_signup_signin_and_session(client, accounts):
    admin = await accounts.admin()
    me = await client.get("/api/v1/auths/", headers=bearer(admin["token"]))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "admin@example.com"
