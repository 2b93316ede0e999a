"""Model access and routing, called as resolvers with a real database and the scripted
upstreams: group grants, write grants, preset chains, sharing permissions, and requests
spread over every connection that serves a model."""

import uuid

import pytest

from data.tables import GroupMemberRow, GroupRow
from resolvers.context import Context, Credentials
from resolvers.errors import Forbidden
from resolvers.models import models
from resolvers.models import workspace as workspace_models
from resolvers.models.workspace import Grant, ModelCreate, ModelUpdate
from resolvers.permissions import require_verified
from tests.support.ai import *  # noqa: F403
from tests.support.upstream import ScriptedUpstream


def as_(app, token: str) -> Context:
    return Context(app.state.services, Credentials(bearer=token))


async def ids(app, token) -> list[str]:
    async with as_(app, token).unit_of_work() as ctx:
        return [m.id for m in await models.list_models(ctx)]


async def add_to_group(app, user_id: str) -> str:
    group_id = str(uuid.uuid4())
    async with Context(app.state.services).unit_of_work(write=True) as ctx:
        ctx.session.add(GroupRow(id=group_id, name="Readers", created_at=0, updated_at=0))
        await ctx.session.flush()
        ctx.session.add(GroupMemberRow(id=str(uuid.uuid4()), group_id=group_id,
                                       user_id=user_id, created_at=0, updated_at=0))
    return group_id


@pytest.fixture
async def people(app, accounts):
    await accounts.admin()
    una = await accounts.user("una@example.com")
    otto = await accounts.user("otto@example.com")
    return accounts.admin_token, una, otto


async def test_a_group_grant_reaches_its_members_only(app, people):
    admin, una, otto = people
    group_id = await add_to_group(app, una["id"])
    async with as_(app, admin).unit_of_work(write=True) as ctx:
        await workspace_models.update_model_access(
            ctx, "qwen3:4b", (Grant("group", group_id, "read"),))
    assert await ids(app, una["token"]) == ["qwen3:4b"]
    assert await ids(app, otto["token"]) == []


async def routes(app, token: str, model_id: str) -> bool:
    async with as_(app, token).unit_of_work() as ctx:
        viewer = await require_verified(ctx)
        try:
            await models.route_model(ctx, viewer, model_id, kind=None)
        except Forbidden:
            return False
    return True


async def test_routing_follows_grants_ownership_and_the_active_switch(app, people):
    """route_model reads access outside the session (every proxied request asks): the
    same rule as the model list, for group, write, everyone and owner."""
    admin, una, otto = people
    group_id = await add_to_group(app, una["id"])
    async with as_(app, admin).unit_of_work(write=True) as ctx:
        await workspace_models.update_model_access(
            ctx, "qwen3:4b", (Grant("group", group_id, "read"),))
        await workspace_models.update_model_access(
            ctx, "gpt-4o", (Grant("user", otto["id"], "write"),))
        await workspace_models.update_model_access(
            ctx, "gpt-4o-mini", (Grant("user", "*", "read"),))
        await workspace_models.create_workspace_model(ctx, ModelCreate(
            id="admins-own", name="Mine", base_model_id="llama3:8b"))
    expected = {"qwen3:4b": (True, False), "gpt-4o": (False, True),
                "gpt-4o-mini": (True, True), "llama3:8b": (False, False),
                "admins-own": (False, False)}
    for model_id, (for_una, for_otto) in expected.items():
        assert await routes(app, una["token"], model_id) is for_una, model_id
        assert await routes(app, otto["token"], model_id) is for_otto, model_id
    async with as_(app, admin).unit_of_work(write=True) as ctx:
        await workspace_models.toggle_workspace_model(ctx, "gpt-4o-mini")
    assert not await routes(app, una["token"], "gpt-4o-mini")
    assert await routes(app, admin, "admins-own")


async def test_a_write_grant_lets_a_non_owner_change_the_model(app, people):
    admin, una, otto = people
    async with as_(app, admin).unit_of_work(write=True) as ctx:
        await workspace_models.update_model_access(
            ctx, "gpt-4o", (Grant("user", una["id"], "write"),))
    async with as_(app, una["token"]).unit_of_work(write=True) as ctx:
        changed = await workspace_models.update_workspace_model(
            ctx, "gpt-4o", ModelUpdate(name="Team GPT"))
    assert changed.row.name == "Team GPT" and changed.write_access
    assert await ids(app, una["token"]) == ["gpt-4o"]  # write includes read
    async with as_(app, otto["token"]).unit_of_work(write=True) as ctx:
        with pytest.raises(Forbidden):
            await workspace_models.update_workspace_model(ctx, "gpt-4o", ModelUpdate(name="x"))


async def test_a_preset_needs_access_to_its_base_when_the_base_has_a_row(app, people):
    admin, una, _ = people
    async with as_(app, admin).unit_of_work(write=True) as ctx:
        await workspace_models.create_workspace_model(ctx, ModelCreate(
            id="helper", name="Helper", base_model_id="llama3:8b",
            access_grants=(Grant("user", "*", "read"),)))
    async with as_(app, una["token"]).unit_of_work() as ctx:
        viewer = await require_verified(ctx)
        route = await models.route_model(ctx, viewer, "helper", kind=None)
        assert route.upstream_model == "llama3:8b" and route.preset.id == "helper"
    async with as_(app, admin).unit_of_work(write=True) as ctx:  # the base gets a private row
        await workspace_models.update_model_access(ctx, "llama3:8b", ())
    async with as_(app, una["token"]).unit_of_work() as ctx:
        viewer = await require_verified(ctx)
        with pytest.raises(Forbidden):
            await models.route_model(ctx, viewer, "helper", kind=None)


async def test_sharing_needs_open_webuis_sharing_permissions(app, people):
    admin, una, _ = people
    async with as_(app, admin).unit_of_work(write=True) as ctx:
        await app.state.services.config.set(ctx.session, {"user.permissions": {
            "workspace": {"models": True}, "sharing": {"models": True}}})
    async with as_(app, una["token"]).unit_of_work(write=True) as ctx:
        mine = await workspace_models.create_workspace_model(ctx, ModelCreate(
            id="mine", name="Mine", base_model_id="llama3:8b",
            access_grants=(Grant("user", "*", "read"), Grant("user", "someone", "read"))))
    # Public sharing needs sharing.public_models as well: only the direct grant is kept.
    assert [(g.principal_type, g.principal_id) for g in mine.grants] == [("user", "someone")]


async def test_requests_spread_over_every_connection_serving_the_model(
        app, people, upstream):
    admin, _, _ = people
    async with ScriptedUpstream() as second:
        async with as_(app, admin).unit_of_work(write=True) as ctx:
            await app.state.services.config.set(ctx.session, {
                "ollama.base_urls": [upstream.url, second.url]})
        used = set()
        for _ in range(40):
            async with as_(app, admin).unit_of_work() as ctx:
                viewer = await require_verified(ctx)
                route = await models.route_model(ctx, viewer, "qwen3:4b", kind="ollama")
                used.add(route.connection.idx)
    assert used == {0, 1}
