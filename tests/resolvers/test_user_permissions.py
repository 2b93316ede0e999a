"""Effective permissions: Open WebUI's defaults OR-merged with each group's, per user."""

import uuid

from data.tables import GroupMemberRow, GroupRow
from resolvers.context import Context
from resolvers.users.permissions import DEFAULT_PERMISSIONS
from tests.conftest import bearer


async def test_a_groups_permissions_reach_its_members_and_leave_the_defaults_alone(
        app, client, accounts):
    await accounts.admin()
    una = await accounts.user("una@example.com")
    otto = await accounts.user("otto@example.com")
    group_id = str(uuid.uuid4())
    async with Context(app.state.services).unit_of_work(write=True) as ctx:
        ctx.session.add(GroupRow(id=group_id, name="Builders", created_at=0, updated_at=0,
                                 permissions={"workspace": {"models": True},
                                              "chat": {"delete": False}}))
        await ctx.session.flush()
        ctx.session.add(GroupMemberRow(id=str(uuid.uuid4()), group_id=group_id,
                                       user_id=una["id"], created_at=0, updated_at=0))

    async def permissions(token: str) -> dict:
        response = await client.get("/api/v1/auths/", headers=bearer(token))
        assert response.status_code == 200, response.text
        return response.json()["permissions"]

    granted = await permissions(una["token"])
    assert granted["workspace"]["models"] is True
    assert granted["chat"]["delete"] is True  # a group can add a permission, not remove one
    assert await permissions(otto["token"]) == DEFAULT_PERMISSIONS
    assert DEFAULT_PERMISSIONS["workspace"]["models"] is False
