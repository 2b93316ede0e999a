"""Groups as an identity provider's directory sees them (SCIM), stored in Open WebUI's
`group` and `group_member` rows. The name is `group.name`, members are `group_member`
rows (users only), and the one attribute without a column, `externalId`, is kept in
`group.meta["scim"]["external_id"]`."""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data.filters import Attr, Filter, SortKey, UnsupportedFilter
from data.repos.filter_sql import (
    ColumnField,
    ConstField,
    Field,
    JsonField,
    JsonSql,
    condition,
    sort_expression,
)
from data.tables import AccessGrantRow, GroupMemberRow, GroupRow, UserRow

META_KEY = "scim"
EXTERNAL_ID = "external_id"

Member = tuple[str, str]  # (user id, user name)


@dataclass(frozen=True)
class DirectoryGroup:
    group: GroupRow
    external_id: str | None
    members: list[Member] | None  # None when the caller did not ask for them


def external_id_of(group: GroupRow) -> str | None:
    meta = group.meta if isinstance(group.meta, dict) else {}
    scim = meta.get(META_KEY) if isinstance(meta.get(META_KEY), dict) else {}
    value = scim.get(EXTERNAL_ID)
    return value if isinstance(value, str) else None


def meta_with_external_id(current: Any, external_id: str | None) -> dict[str, Any]:
    meta = copy.deepcopy(current) if isinstance(current, dict) else {}
    scim = meta.get(META_KEY) if isinstance(meta.get(META_KEY), dict) else {}
    meta[META_KEY] = {**scim, EXTERNAL_ID: external_id}
    return meta


class _Member:
    def field(self, attr: Attr) -> Field:
        if attr.name == "value":
            return ColumnField(GroupMemberRow.user_id)
        if attr.name == "display":
            return ColumnField(UserRow.name)
        if attr.name == "type":
            return ConstField("User")
        raise UnsupportedFilter(f"members.{attr.name} cannot be filtered")

    def has_value(self, attr, where):
        raise UnsupportedFilter("value filters do not nest")


class GroupScope:
    """Where each SCIM Group attribute lives, for the filter compiler."""

    def __init__(self, sql: JsonSql):
        self.sql = sql

    def field(self, attr: Attr) -> Field:
        match attr.name, attr.sub:
            case "id", None:
                return ColumnField(GroupRow.id)
            case "displayName", None:
                return ColumnField(GroupRow.name)
            case "externalId", None:
                return JsonField(GroupRow.meta, (META_KEY, EXTERNAL_ID))
            case "meta", "created":
                return ColumnField(GroupRow.created_at, "epoch")
            case "meta", "lastModified":
                return ColumnField(GroupRow.updated_at, "epoch")
            case "meta", "resourceType":
                return ConstField("Group")
        raise UnsupportedFilter(f"{attr.dotted} cannot be filtered on groups")

    def has_value(self, attr: Attr, where) -> Any:
        if attr.name != "members":
            raise UnsupportedFilter(f"{attr.name} cannot be filtered on groups")
        member = (select(literal(1)).select_from(GroupMemberRow)
                  .join(UserRow, UserRow.id == GroupMemberRow.user_id)
                  .where(GroupMemberRow.group_id == GroupRow.id, where(_Member())))
        return member.exists()


class DirectoryGroupRepo:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.sql = JsonSql(session.bind.dialect.name)

    async def page(self, *, where: Filter | None, sort: SortKey | None, offset: int,
                   limit: int, with_members: bool) -> tuple[list[DirectoryGroup], int]:
        scope = GroupScope(self.sql)
        conditions = [condition(where, scope, self.sql)] if where is not None else []
        ordering = (sort_expression(sort, scope.field(sort.attr), self.sql)
                    if sort is not None else [])
        total = (await self.session.execute(
            select(func.count()).select_from(GroupRow).where(*conditions))).scalar_one()
        if limit <= 0:
            return [], total
        stmt = (select(GroupRow).where(*conditions)
                .order_by(*ordering, GroupRow.created_at, GroupRow.id)
                .offset(offset).limit(limit))
        groups = (await self.session.execute(stmt)).scalars().all()
        members = await self.members_of([g.id for g in groups]) if with_members else {}
        return [DirectoryGroup(g, external_id_of(g),
                               members.get(g.id, []) if with_members else None)
                for g in groups], total

    async def get(self, group_id: str, *, lock: bool = False, with_members: bool = True
                  ) -> DirectoryGroup | None:
        stmt = select(GroupRow).where(GroupRow.id == group_id)
        if lock:
            stmt = stmt.with_for_update()
        group = (await self.session.execute(stmt)).scalar_one_or_none()
        if group is None:
            return None
        members = (await self.members_of([group.id])).get(group.id, []) if with_members else None
        return DirectoryGroup(group, external_id_of(group), members)

    async def members_of(self, group_ids: Sequence[str]) -> dict[str, list[Member]]:
        if not group_ids:
            return {}
        stmt = (select(GroupMemberRow.group_id, UserRow.id, UserRow.name)
                .join(UserRow, UserRow.id == GroupMemberRow.user_id)
                .where(GroupMemberRow.group_id.in_(list(group_ids)))
                .order_by(GroupMemberRow.group_id, GroupMemberRow.created_at, UserRow.id))
        found: dict[str, list[Member]] = defaultdict(list)
        for group_id, user_id, name in (await self.session.execute(stmt)).all():
            found[group_id].append((user_id, name))
        return dict(found)

    async def named(self, name: str) -> list[str]:
        """The ids of the groups called `name`, ignoring letter case (Unicode-aware)."""
        stmt = select(GroupRow.id).where(self.sql.lower(GroupRow.name) == name.lower())
        return list((await self.session.execute(stmt)).scalars().all())

    async def existing_users(self, user_ids: Sequence[str]) -> set[str]:
        if not user_ids:
            return set()
        stmt = select(UserRow.id).where(UserRow.id.in_(list(user_ids)))
        return set((await self.session.execute(stmt)).scalars().all())

    async def add(self, group: GroupRow) -> None:
        self.session.add(group)
        await self.session.flush()

    async def update(self, group_id: str, values: dict[str, Any]) -> None:
        await self.session.execute(update(GroupRow).where(GroupRow.id == group_id)
                                   .values(**values))

    async def set_members(self, group_id: str, user_ids: Sequence[str], now: int) -> bool:
        """Make the members exactly `user_ids`; whether anything changed."""
        current = set((await self.session.execute(
            select(GroupMemberRow.user_id).where(GroupMemberRow.group_id == group_id)
        )).scalars().all())
        wanted = list(dict.fromkeys(user_ids))
        leaving = current - set(wanted)
        joining = [user_id for user_id in wanted if user_id not in current]
        if leaving:
            await self.session.execute(delete(GroupMemberRow).where(
                GroupMemberRow.group_id == group_id, GroupMemberRow.user_id.in_(leaving)))
        self.session.add_all(GroupMemberRow(id=str(uuid.uuid4()), group_id=group_id,
                                            user_id=user_id, created_at=now, updated_at=now)
                             for user_id in joining)
        await self.session.flush()
        return bool(leaving or joining)

    async def delete(self, group_id: str) -> None:
        """The group, its memberships and the access it was granted; its child groups
        lose their parent (SQLite runs without foreign keys, so nothing cascades)."""
        await self.session.execute(
            delete(GroupMemberRow).where(GroupMemberRow.group_id == group_id))
        await self.session.execute(delete(AccessGrantRow).where(
            AccessGrantRow.principal_type == "group", AccessGrantRow.principal_id == group_id))
        await self.session.execute(update(GroupRow).where(GroupRow.parent_group_id == group_id)
                                   .values(parent_group_id=None))
        await self.session.execute(delete(GroupRow).where(GroupRow.id == group_id))

    async def search_names(self, text: str | None, offset: int, limit: int
                           ) -> tuple[Sequence[GroupRow], int]:
        """Groups by name (containing `text`, ignoring case), for the GraphQL list."""
        where = []
        if text:
            where.append(self.sql.contains(self.sql.lower(GroupRow.name), text.lower()))
        total = (await self.session.execute(
            select(func.count()).select_from(GroupRow).where(*where))).scalar_one()
        stmt = (select(GroupRow).where(*where)
                .order_by(self.sql.lower(GroupRow.name), GroupRow.id).offset(offset).limit(limit))
        return (await self.session.execute(stmt)).scalars().all(), total

    async def member_counts(self, group_ids: Sequence[str]) -> dict[str, int]:
        if not group_ids:
            return {}
        stmt = (select(GroupMemberRow.group_id, func.count())
                .join(UserRow, UserRow.id == GroupMemberRow.user_id)
                .where(GroupMemberRow.group_id.in_(list(group_ids)))
                .group_by(GroupMemberRow.group_id))
        return dict((await self.session.execute(stmt)).all())

    async def member_pages(self, group_ids: Sequence[str], offset: int, limit: int
                           ) -> dict[str, list[UserRow]]:
        """A page of members (by name) of each group, in one query for all the groups."""
        if not group_ids:
            return {}
        position = func.row_number().over(partition_by=GroupMemberRow.group_id,
                                          order_by=(UserRow.name, UserRow.id))
        ranked = (select(GroupMemberRow.group_id.label("group_id"),
                         UserRow.id.label("user_id"), position.label("position"))
                  .join(UserRow, UserRow.id == GroupMemberRow.user_id)
                  .where(GroupMemberRow.group_id.in_(list(group_ids))).subquery())
        stmt = (select(ranked.c.group_id, UserRow).join(UserRow, UserRow.id == ranked.c.user_id)
                .where(ranked.c.position > offset, ranked.c.position <= offset + limit)
                .order_by(ranked.c.group_id, ranked.c.position))
        found: dict[str, list[UserRow]] = defaultdict(list)
        for group_id, user in (await self.session.execute(stmt)).all():
            found[group_id].append(user)
        return dict(found)
