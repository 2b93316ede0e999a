"""Health, readiness, version and the public feature flags."""

from __future__ import annotations

from dataclasses import dataclass

from data.repos.health import database_answers
from data.repos.users import UserRepo
from resolvers.context import Context, Viewer
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


async def public_config(ctx: Context, viewer: Viewer | None) -> PublicConfig:
    """Anyone; what a client needs before and after sign-in."""
    has_users = viewer is not None or await UserRepo(ctx.session).count() > 0
    return PublicConfig(auth=await read_auth_config(ctx), has_users=has_users, viewer=viewer)
