"""Accounts: listing, reading, admin changes, deletion, own profile."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from data.repos.groups import GroupRepo
from data.repos.users import SORTABLE, UserRepo
from data.tables import GroupRow, UserRow
from data.tables.base import now_s
from resolvers import validation
from resolvers.auth.security import new_session_stamp
from resolvers.context import Context
from resolvers.errors import Forbidden, Invalid, NotFound
from resolvers.permissions import (
    require_admin,
    require_admin_or_scope,
    require_user,
    require_verified,
)

MAX_PAGE = 100


@dataclass(frozen=True)
class UserPage:
    users: Sequence[UserRow]
    total: int
    group_ids: dict[str, list[str]]


@dataclass(frozen=True)
class UserUpdate:
    """Admin changes; None leaves a field as it is."""

    name: str | None = None
    email: str | None = None
    role: str | None = None
    profile_image_url: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class ProfileUpdate:
    name: str
    profile_image_url: str
    bio: str | None = None
    gender: str | None = None
    date_of_birth: str | None = None


def check_page(order_by: str, offset: int, limit: int) -> None:
    """A sortable column and a page of 1 to MAX_PAGE accounts, for every account list."""
    if order_by not in SORTABLE:
        raise Invalid(f"order_by must be one of {', '.join(sorted(SORTABLE))}.",
                      reason="invalid_order", field="order_by")
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise Invalid(f"Pages hold 1 to {MAX_PAGE} users from offset 0 on.",
                      reason="invalid_page")


async def list_users(ctx: Context, *, query: str | None = None, order_by: str = "created_at",
                     descending: bool = True, offset: int = 0, limit: int = 30) -> UserPage:
    """Admins only. Name/e-mail search, sorted, one page with the total."""
    await require_admin(ctx)
    check_page(order_by, offset, limit)
    users, total = await UserRepo(ctx.session).page(
        query=query, order_by=order_by, descending=descending, offset=offset, limit=limit)
    group_ids = await GroupRepo(ctx.session).ids_for_users([u.id for u in users])
    return UserPage(users=users, total=total, group_ids=group_ids)


async def get_user(ctx: Context, user_id: str) -> UserRow:
    """Admins read any account; everyone else only their own."""
    viewer = await require_verified(ctx)
    if viewer.id != user_id and viewer.role != "admin":
        raise Forbidden("Only administrators may read other accounts.", reason="not_admin")
    user = await UserRepo(ctx.session).get(user_id)
    if user is None:
        raise NotFound("No such user.", reason="user_not_found")
    return user


async def groups_of(ctx: Context, user_id: str) -> Sequence[GroupRow]:
    return await GroupRepo(ctx.session).for_user(user_id)


async def _guard_primary_admin(ctx: Context, viewer_id: str, user_id: str) -> bool:
    """The primary admin (the earliest account) may only be changed by itself."""
    is_primary = await UserRepo(ctx.session).primary_admin_id() == user_id
    if is_primary and viewer_id != user_id:
        raise Forbidden("Only the primary administrator may change that account.",
                        reason="primary_admin")
    return is_primary


async def update_user(ctx: Context, user_id: str, changes: UserUpdate) -> UserRow:
    """Admins only. A new password ends every session of that account."""
    viewer = await require_admin(ctx)
    repo = UserRepo(ctx.session)
    user = await repo.get(user_id)
    if user is None:
        raise NotFound("No such user.", reason="user_not_found")
    is_primary = await _guard_primary_admin(ctx, viewer.id, user_id)
    values: dict = {}
    if changes.role is not None:
        if is_primary and changes.role != "admin":
            raise Forbidden("The primary administrator must stay an administrator.",
                            reason="primary_admin")
        values["role"] = validation.role(changes.role)
    if changes.name is not None:
        values["name"] = validation.name(changes.name)
    if changes.profile_image_url is not None:
        values["profile_image_url"] = validation.profile_image_url(changes.profile_image_url)
    auth_values: dict = {}
    if changes.email is not None:
        email = validation.email(changes.email)
        other = await repo.get_by_email(email)
        if other is not None and other.id != user_id:
            raise Invalid("This e-mail address is already registered.", reason="email_taken",
                          field="email")
        values["email"] = auth_values["email"] = email
    if changes.password:
        password = validation.new_password(changes.password)
        auth_values["password"] = await asyncio.to_thread(ctx.services.passwords.hash, password)
        auth_values["session_stamp"] = new_session_stamp()
    if values or auth_values:
        values["updated_at"] = now_s()
        try:
            await repo.update_user(user_id, values)
            if auth_values:
                await repo.update_auth(user_id, auth_values)
            await ctx.session.flush()
        except IntegrityError:
            raise Invalid("This e-mail address is already registered.", reason="email_taken",
                          field="email") from None
        await ctx.session.refresh(user)
    return user


async def delete_user(ctx: Context, user_id: str) -> bool:
    """Admins and the SCIM provisioning client; never oneself, never the primary admin.
    Deletes the account's memberships and chats as Open WebUI does; its tokens and API
    keys stop working with the account."""
    viewer = await require_admin_or_scope(ctx, "scim")
    if viewer.id == user_id:
        raise Forbidden("Administrators cannot delete their own account.", reason="self_delete")
    repo = UserRepo(ctx.session)
    if await repo.get(user_id) is None:
        raise NotFound("No such user.", reason="user_not_found")
    if await repo.primary_admin_id() == user_id:
        raise Forbidden("The primary administrator cannot be deleted.", reason="primary_admin")
    await repo.delete(user_id)
    return True


async def revoke_sessions(ctx: Context, user_id: str) -> bool:
    """Admins only (the primary admin's sessions only by itself): every token dies."""
    viewer = await require_admin(ctx)
    repo = UserRepo(ctx.session)
    if await repo.get(user_id) is None:
        raise NotFound("No such user.", reason="user_not_found")
    await _guard_primary_admin(ctx, viewer.id, user_id)
    await repo.update_auth(user_id, {"session_stamp": new_session_stamp()})
    return True


async def update_profile(ctx: Context, changes: ProfileUpdate) -> UserRow:
    """Any approved account, for itself."""
    viewer = await require_verified(ctx)
    values = {"name": validation.name(changes.name),
              "profile_image_url": validation.profile_image_url(changes.profile_image_url),
              "bio": changes.bio, "gender": changes.gender, "updated_at": now_s()}
    if changes.date_of_birth:
        try:
            values["date_of_birth"] = dt.date.fromisoformat(changes.date_of_birth)
        except ValueError:
            raise Invalid("date_of_birth must be a date, YYYY-MM-DD.", reason="invalid_date",
                          field="date_of_birth") from None
    repo = UserRepo(ctx.session)
    await repo.update_user(viewer.id, values)
    user = await repo.get(viewer.id)
    await ctx.session.refresh(user)
    return user


async def get_user_card(ctx: Context, user_id: str) -> tuple[UserRow, Sequence[GroupRow]]:
    """Any approved account may see another's public card (name, role, groups)."""
    await require_verified(ctx)
    user = await UserRepo(ctx.session).get(user_id)
    if user is None:
        raise NotFound("No such user.", reason="user_not_found")
    return user, await GroupRepo(ctx.session).for_user(user_id)


async def update_timezone(ctx: Context, timezone: str) -> UserRow:
    """Any signed-in account, pending ones too, for itself: an IANA time zone name
    (e.g. Europe/Paris), as the web client reports it."""
    viewer = await require_user(ctx)
    try:
        if not 0 < len(timezone) <= 64:
            raise ValueError
        zoneinfo.ZoneInfo(timezone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise Invalid("timezone must be an IANA time zone name, e.g. Europe/Paris.",
                      reason="invalid_timezone", field="timezone") from None
    repo = UserRepo(ctx.session)
    await repo.update_user(viewer.id, {"timezone": timezone, "updated_at": now_s()})
    user = await repo.get(viewer.id)
    await ctx.session.refresh(user)
    return user


async def find_user(ctx: Context, user_id: str) -> UserRow | None:
    """Any approved account: another account (to show whether it is active, say), or
    None when there is no such account."""
    await require_verified(ctx)
    return await UserRepo(ctx.session).get(user_id)
