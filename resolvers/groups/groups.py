"""Groups and their members: the `group` and `group_member` rows Open WebUI also reads.

The SCIM provisioning client (scope "scim") and administrators manage them; GraphQL
reads them (administrators only). Members are users; nested groups are not members.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from data.filters import Filter, SortKey, UnsupportedFilter
from data.repos.directory_groups import (
    DirectoryGroup,
    DirectoryGroupRepo,
    meta_with_external_id,
)
from data.repos.locks import serialize
from data.repos.users import UserRepo
from data.tables import GroupRow, UserRow
from data.tables.base import now_s
from resolvers import validation
from resolvers.context import Context
from resolvers.errors import Conflict, Invalid, NotFound
from resolvers.loaders import loaders
from resolvers.permissions import require_admin, require_admin_or_scope, require_admin_or_self
from resolvers.users.directory import MAX_RESULTS, SCOPE, invalid_filter

MAX_PAGE = 100  # GraphQL pages
# Open WebUI's `group` table has no unique constraint on names (and must not get one: it
# is Open WebUI's table), so writers that name a group take this lock, then look.
_NAME_LOCK = "parley:group-names"


@dataclass(frozen=True)
class GroupInput:
    """A group as the identity provider describes it: its whole state."""

    display_name: str
    external_id: str | None = None
    member_ids: Sequence[str] = ()


@dataclass(frozen=True)
class GroupPage:
    groups: list[DirectoryGroup]
    total: int


async def list_directory_groups(ctx: Context, *, where: Filter | None = None,
                                sort: SortKey | None = None, offset: int = 0,
                                limit: int = MAX_RESULTS, with_members: bool = True
                                ) -> GroupPage:
    """The provisioning client and admins: filtered, sorted and paged in the database.
    Leave the members out (`with_members=False`) when the caller will not show them."""
    await require_admin_or_scope(ctx, SCOPE)
    try:
        groups, total = await DirectoryGroupRepo(ctx.session).page(
            where=where, sort=sort, offset=max(0, offset),
            limit=max(0, min(limit, MAX_RESULTS)), with_members=with_members)
    except UnsupportedFilter as error:
        raise invalid_filter(error) from None
    return GroupPage(groups=groups, total=total)


async def get_directory_group(ctx: Context, group_id: str, *, lock: bool = False,
                              with_members: bool = True) -> DirectoryGroup:
    """The provisioning client and admins."""
    await require_admin_or_scope(ctx, SCOPE)
    found = await DirectoryGroupRepo(ctx.session).get(group_id, lock=lock,
                                                      with_members=with_members)
    if found is None:
        raise NotFound("No such group.", reason="group_not_found")
    return found


async def _checked(ctx: Context, data: GroupInput, group_id: str | None = None
                   ) -> tuple[str, list[str]]:
    """The name and members to store. A name is unique, ignoring letter case: a second
    group of the same name would be the identity provider's mistake (it creates a group
    it did not find), and members would split between the two."""
    name = validation.name(data.display_name)
    await serialize(ctx.session, _NAME_LOCK)
    if any(other != group_id for other in await DirectoryGroupRepo(ctx.session).named(name)):
        raise Conflict(f"A group named {name!r} already exists.", reason="group_name_taken",
                       field="displayName")
    member_ids = list(dict.fromkeys(data.member_ids))
    unknown = set(member_ids) - await DirectoryGroupRepo(ctx.session).existing_users(member_ids)
    if unknown:
        raise Invalid(f"No user has the id {sorted(unknown)[0]!r}; members must be users.",
                      reason="unknown_member", field="members")
    return name, member_ids


async def create_directory_group(ctx: Context, data: GroupInput) -> DirectoryGroup:
    """The provisioning client and admins. The group belongs to the primary
    administrator, as Open WebUI's do to an admin. A name already taken (ignoring case)
    is a Conflict."""
    await require_admin_or_scope(ctx, SCOPE)
    name, member_ids = await _checked(ctx, data)
    repo, now = DirectoryGroupRepo(ctx.session), now_s()
    owner = await UserRepo(ctx.session).primary_admin_id()
    group = GroupRow(id=str(uuid.uuid4()), user_id=owner or "", name=name, description="",
                     data=None, meta=meta_with_external_id(None, data.external_id),
                     permissions={}, created_at=now, updated_at=now)
    await repo.add(group)
    await repo.set_members(group.id, member_ids, now)
    return await get_directory_group(ctx, group.id)


async def replace_directory_group(ctx: Context, group_id: str, data: GroupInput
                                  ) -> DirectoryGroup:
    """The provisioning client and admins: name, external id and members become exactly
    `data`. Open WebUI's own settings of the group (permissions, parent) are kept."""
    await require_admin_or_scope(ctx, SCOPE)
    repo = DirectoryGroupRepo(ctx.session)
    current = await repo.get(group_id, lock=True, with_members=False)
    if current is None:
        raise NotFound("No such group.", reason="group_not_found")
    name, member_ids = await _checked(ctx, data, group_id)
    now = now_s()
    changed = await repo.set_members(group_id, member_ids, now)
    values = {}
    if current.group.name != name:
        values["name"] = name
    if current.external_id != data.external_id:
        values["meta"] = meta_with_external_id(current.group.meta, data.external_id)
    if values or changed:
        await repo.update(group_id, {**values, "updated_at": now})
        await ctx.session.refresh(current.group)
    return await get_directory_group(ctx, group_id)


async def delete_directory_group(ctx: Context, group_id: str) -> bool:
    """The provisioning client and admins: the group, its memberships and its grants."""
    await require_admin_or_scope(ctx, SCOPE)
    repo = DirectoryGroupRepo(ctx.session)
    if await repo.get(group_id, with_members=False) is None:
        raise NotFound("No such group.", reason="group_not_found")
    await repo.delete(group_id)
    return True


async def list_groups(ctx: Context, *, name_contains: str | None = None, offset: int = 0,
                      limit: int = 30) -> tuple[Sequence[GroupRow], int]:
    """Admins only: groups by name, one page with the total."""
    await require_admin(ctx)
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise Invalid(f"Pages hold 1 to {MAX_PAGE} groups from offset 0 on.",
                      reason="invalid_page")
    return await DirectoryGroupRepo(ctx.session).search_names(name_contains, offset, limit)


async def groups_of_user(ctx: Context, user_id: str) -> Sequence[GroupRow]:
    """Admins, and each person for their own account; batched across a page of users."""
    await require_admin_or_self(ctx, user_id)
    return await loaders(ctx).groups_of_user.load(user_id)


async def member_count(ctx: Context, group_id: str) -> int:
    """Admins only; batched across a page of groups."""
    await require_admin(ctx)
    return await loaders(ctx).member_count.load(group_id)


async def members_of_group(ctx: Context, group_id: str, *, offset: int, limit: int
                           ) -> Sequence[UserRow]:
    """Admins only: a page of members by name; batched across a page of groups."""
    await require_admin(ctx)
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise Invalid(f"Pages hold 1 to {MAX_PAGE} members from offset 0 on.",
                      reason="invalid_page")
    return await loaders(ctx).group_members.load((group_id, offset, limit))
