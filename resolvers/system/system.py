"""Health, readiness, version and the public feature flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.repos.health import database_answers
from data.repos.users import UserRepo
from resolvers.context import Context, Viewer
from resolvers.permissions import require_verified
from resolvers.system.config import AuthConfig, read_auth_config

NAME = "Parley"
VERSION = "0.1.0"


async def database_ok(ctx: Context) -> bool:
    """Anyone; readiness."""
    return await database_answers(ctx.session)


@dataclass(frozen=True)
class PublicConfig:
    auth: AuthConfig
    has_users: bool
    viewer: Viewer | None
    interface_defaults: dict[str, Any]  # the `ui` settings accounts start from


async def public_config(ctx: Context, viewer: Viewer | None) -> PublicConfig:
    """Anyone; what a client needs before and after sign-in."""
    has_users = viewer is not None or await UserRepo(ctx.session).count() > 0
    defaults = await ctx.services.config.get(ctx.session, "ui.default_interface_settings")
    return PublicConfig(auth=await read_auth_config(ctx), has_users=has_users, viewer=viewer,
                        interface_defaults=defaults if isinstance(defaults, dict) else {})


async def latest_version(ctx: Context) -> str:
    """Approved accounts. This server does not look for updates on the internet, so the
    latest version it knows is its own."""
    await require_verified(ctx)
    return VERSION
