"""Start-up work that needs the resolvers: the admin named in the environment."""

from __future__ import annotations

import logging

from data.repos.users import UserRepo
from resolvers.auth.accounts import SignUp, sign_up
from resolvers.context import Context, Services

log = logging.getLogger("parley")


async def provision_admin(services: Services) -> None:
    """With WEBUI_ADMIN_EMAIL/PASSWORD set and no users yet, create that admin (the first
    account always becomes admin and closes sign-up)."""
    settings = services.settings
    if not (settings.admin_email and settings.admin_password):
        return
    ctx = Context(services)
    async with ctx.unit_of_work(write=True):
        if await UserRepo(ctx.session).count() > 0:
            return
        await sign_up(ctx, SignUp(name=settings.admin_name, email=settings.admin_email,
                                  password=settings.admin_password))
    log.info("created the administrator %s from WEBUI_ADMIN_EMAIL", settings.admin_email)


async def startup_notes(services: Services) -> str:
    """The short block a newcomer reads once the server runs: where the data lives,
    where GraphiQL is, and who becomes the administrator."""
    settings = services.settings
    ctx = Context(services)
    async with ctx.unit_of_work():
        users = await UserRepo(ctx.session).count()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    lines = [f"Parley is serving on http://{host}:{settings.port}",
             f"  data:     {settings.data_dir} ({settings.database_location})",
             f"  GraphiQL: http://{host}:{settings.port}/graphql (open it in a browser)"]
    if users == 0:
        lines.append("  No account yet: the first sign-up becomes the administrator "
                     "and closes sign-up.")
    return "\n".join(lines)
