"""The SCIM provisioning client is a service viewer with the `scim` scope: resolvers that
accept the scope let it in, everything meant for people keeps it out, and its token is
nothing but an invalid token anywhere else."""

import dataclasses

import pytest

from resolvers.auth.authenticate import current_viewer
from resolvers.context import Context, Credentials
from resolvers.errors import Forbidden, Unauthenticated
from resolvers.permissions import require_scope, require_user
from resolvers.users import directory, users

TOKEN = "service-token-0123456789abcdef"


@pytest.fixture
def env_overrides():
    return {"ENABLE_SCIM": "true", "SCIM_TOKEN": TOKEN}


async def test_the_provisioning_client_is_a_service_with_the_scim_scope(app):
    ctx = Context(app.state.services, Credentials(provisioning=TOKEN))
    viewer = await current_viewer(ctx)
    assert viewer.is_service and viewer.via == "scim" and viewer.user is None
    assert viewer.role == "service" and await require_scope(ctx, "scim") is viewer
    with pytest.raises(Forbidden):
        await require_user(ctx)
    async with ctx.unit_of_work():
        with pytest.raises(Forbidden):
            await users.list_users(ctx)  # an admin's resolver, not the service's
        page = await directory.list_directory_users(ctx)  # the service's resolver
        assert page.total == 0


async def test_the_scim_token_is_checked_against_scim_token_only(app, accounts):
    services = app.state.services
    for credentials in (Credentials(provisioning="wrong"), Credentials(bearer=TOKEN),
                        Credentials(cookie=TOKEN), Credentials(api_key_header=TOKEN)):
        with pytest.raises(Unauthenticated):
            await current_viewer(Context(services, credentials))
    admin = await accounts.admin()
    as_provisioning = Context(services, Credentials(provisioning=admin["token"]))
    with pytest.raises(Unauthenticated):  # a user's token is no SCIM token
        await current_viewer(as_provisioning)
    person = Context(services, Credentials(bearer=admin["token"]))
    with pytest.raises(Forbidden):
        await require_scope(person, "scim")
    disabled = dataclasses.replace(services.settings, scim_enabled=False)
    off = Context(dataclasses.replace(services, settings=disabled),
                  Credentials(provisioning=TOKEN))
    with pytest.raises(Unauthenticated):
        await current_viewer(off)
