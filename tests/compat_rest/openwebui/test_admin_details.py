"""`GET /api/v1/auths/admin/details`: whom a signed-in person (pending ones too) should
ask for help, unless administrators hide it; the same answer as GraphQL's adminContact."""

import pytest

from tests.conftest import bearer

DETAILS = "/api/v1/auths/admin/details"


async def test_the_primary_admin_unless_hidden(client, accounts):
    await accounts.admin()
    pending = await accounts.user("waiting@example.com", role="pending")
    shown = await client.get(DETAILS, headers=bearer(pending["token"]))
    assert shown.status_code == 200, shown.text
    assert shown.json() == {"name": "Ada Admin", "email": "admin@example.com"}
    graphql = await client.post("/graphql", headers=bearer(pending["token"]),
                                json={"query": "{ adminContact { name email } }"})
    assert graphql.json()["data"]["adminContact"] == shown.json()
    assert (await client.get(DETAILS)).status_code == 401
    hide = await client.post("/api/v1/auths/admin/config", headers=bearer(accounts.admin_token),
                             json={"SHOW_ADMIN_DETAILS": False})
    assert hide.status_code == 200, hide.text
    hidden = await client.get(DETAILS, headers=bearer(pending["token"]))
    assert hidden.status_code == 400
    assert hidden.json()["detail"].startswith("The requested action has been restricted")
    graphql = await client.post("/graphql", headers=bearer(pending["token"]),
                                json={"query": "{ adminContact { name email } }"})
    assert graphql.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("env_overrides", [{"ADMIN_EMAIL": "Helpdesk@Example.com"}])
async def test_the_configured_admin_email(client, accounts):
    await accounts.admin()
    helper = await accounts.user("helpdesk@example.com", role="admin", name="Help Desk")
    shown = await client.get(DETAILS, headers=bearer(helper["token"]))
    assert shown.json() == {"name": "Help Desk", "email": "helpdesk@example.com"}
