"""Each account's own settings, info and permissions (the `user.settings` and
`user.info` JSON columns Open WebUI's web client writes), the default permissions, and
the directory of every account for administrators.

Settings hold client preferences under `ui` (theme, models, ...) and a few other keys;
the server reads only what it must (`ui.toolServers` needs a permission). Info is free
JSON the client keeps about the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from data.repos.groups import GroupRepo
from data.repos.users import UserRepo
from data.tables import GroupRow, UserRow
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.loaders import serial
from resolvers.permissions import require_admin, require_verified
from resolvers.users.permissions import allows, default_permissions, effective_permissions
from resolvers.users.users import check_page

DEFAULT_INTERFACE = "ui.default_interface_settings"
# Client settings a person may keep only with a permission (admins always may).
GUARDED_UI_KEYS = {"toolServers": "features.direct_tool_servers"}


@dataclass(frozen=True)
class Directory:
    users: Sequence[UserRow]
    groups: dict[str, list[GroupRow]]  # user id -> groups, by name
    total: int


async def _own(ctx: Context) -> UserRow:
    viewer = await require_verified(ctx)
    user = await UserRepo(ctx.session).get(viewer.id)
    if user is None:  # deleted while the request ran
        raise NotFound("No such user.", reason="user_not_found")
    return user


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{name} must be a JSON object.", reason="invalid_settings", field=name)
    return value


async def get_own_settings(ctx: Context, *, raw: bool = False) -> dict[str, Any] | None:
    """Approved accounts, their own. Unless `raw`, the interface settings an
    administrator set as defaults fill the keys the person never set."""
    async with serial(ctx):  # sibling GraphQL fields share the session
        user = await _own(ctx)
        defaults = await ctx.services.config.get(ctx.session, DEFAULT_INTERFACE)
    stored = user.settings if isinstance(user.settings, dict) else None
    if raw:
        return stored
    if not isinstance(defaults, dict) or not defaults:
        return stored
    stored = stored or {}
    ui = stored.get("ui") if isinstance(stored.get("ui"), dict) else {}
    return {**stored, "ui": {**defaults, **ui}}


async def update_own_settings(ctx: Context, changes: dict[str, Any]) -> dict[str, Any]:
    """Approved accounts, their own. Top-level keys replace the stored ones; `ui` is
    changed key by key, a null removing a key. Guarded `ui` keys are dropped without
    their permission, as Open WebUI drops them."""
    _object(changes, "settings")
    user = await _own(ctx)
    stored = dict(user.settings) if isinstance(user.settings, dict) else {}
    ui_changes = _object(changes.get("ui", {}), "ui")
    if user.role != "admin" and ui_changes.keys() & GUARDED_UI_KEYS.keys():
        permissions = await effective_permissions(ctx, user)
        ui_changes = {k: v for k, v in ui_changes.items()
                      if k not in GUARDED_UI_KEYS or allows(permissions, GUARDED_UI_KEYS[k])}
    ui = dict(stored.get("ui")) if isinstance(stored.get("ui"), dict) else {}
    for key, value in ui_changes.items():
        if value is None:
            ui.pop(key, None)
        else:
            ui[key] = value
    settings = {**stored, **{k: v for k, v in changes.items() if k != "ui"}, "ui": ui}
    await UserRepo(ctx.session).update_user(user.id, {"settings": settings,
                                                      "updated_at": now_s()})
    return settings


async def get_own_info(ctx: Context) -> dict[str, Any] | None:
    """Approved accounts, their own info (null until first written)."""
    async with serial(ctx):
        user = await _own(ctx)
    return user.info if isinstance(user.info, dict) else None


async def update_own_info(ctx: Context, changes: dict[str, Any]) -> dict[str, Any]:
    """Approved accounts, their own: the keys given replace the stored ones."""
    _object(changes, "info")
    user = await _own(ctx)
    info = {**(user.info if isinstance(user.info, dict) else {}), **changes}
    await UserRepo(ctx.session).update_user(user.id, {"info": info, "updated_at": now_s()})
    return info


async def _directory(ctx: Context, **page: Any) -> Directory:
    users, total = await UserRepo(ctx.session).page(**page)
    return Directory(users=users, total=total,
                     groups=await GroupRepo(ctx.session).for_users([u.id for u in users]))


async def list_directory(ctx: Context) -> Directory:
    """Administrators: every account with its groups, newest first, in one list."""
    await require_admin(ctx)
    return await _directory(ctx, query=None, order_by="created_at", descending=True,
                            offset=0, limit=None)


async def search_directory(ctx: Context, *, query: str | None, order_by: str = "created_at",
                           descending: bool = True, offset: int = 0, limit: int = 30
                           ) -> Directory:
    """Any approved account (to share with someone, say): a page of accounts whose name
    or e-mail contains `query`, with their public card's fields and groups."""
    await require_verified(ctx)
    check_page(order_by, offset, limit)
    return await _directory(ctx, query=query, order_by=order_by, descending=descending,
                            offset=offset, limit=limit)


async def viewer_permissions(ctx: Context) -> dict[str, Any]:
    """Approved accounts: what they may do (defaults OR-ed with their groups')."""
    async with serial(ctx):
        viewer = await require_verified(ctx)
        return await effective_permissions(ctx, viewer.user)


async def get_default_permissions(ctx: Context) -> dict[str, dict[str, Any]]:
    """Administrators: what every account may do before its groups add to it."""
    async with serial(ctx):
        await require_admin(ctx)
        return await default_permissions(ctx)


async def set_default_permissions(ctx: Context, permissions: dict[str, Any]
                                  ) -> dict[str, dict[str, Any]]:
    """Administrators. `permissions` maps sections to flags (true/false); flags left out
    keep their current value. Every account's permissions change at once."""
    await require_admin(ctx)
    if not isinstance(permissions, dict):
        raise Invalid("Permissions are an object of sections.", reason="invalid_permissions")
    updated = await default_permissions(ctx)
    for section, flags in permissions.items():
        if not isinstance(flags, dict) or not all(isinstance(v, bool) for v in flags.values()):
            raise Invalid(f"Section {section!r} must map names to true or false.",
                          reason="invalid_permissions", field=str(section))
        updated.setdefault(section, {}).update(flags)
    await ctx.services.config.set(ctx.session, {"user.permissions": updated})
    return updated
