"""Groups and memberships: the `group` and `group_member` rows Open WebUI also reads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import GroupMemberRow, GroupRow


class GroupRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def ids_for_users(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        if not user_ids:
            return {}
        stmt = (select(GroupMemberRow.user_id, GroupMemberRow.group_id)
                .where(GroupMemberRow.user_id.in_(list(user_ids)))
                .order_by(GroupMemberRow.group_id))
        found: dict[str, list[str]] = defaultdict(list)
        for user_id, group_id in (await self.session.execute(stmt)).all():
            found[user_id].append(group_id)
        return dict(found)

    async def for_user(self, user_id: str) -> Sequence[GroupRow]:
        stmt = (select(GroupRow).join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
                .where(GroupMemberRow.user_id == user_id).order_by(GroupRow.name))
        return (await self.session.execute(stmt)).scalars().all()

    async def names_for_users(self, user_ids: Sequence[str]
                              ) -> dict[str, list[tuple[str, str | None]]]:
        """Each user's groups as (id, name), by name."""
        if not user_ids:
            return {}
        stmt = (select(GroupMemberRow.user_id, GroupRow.id, GroupRow.name)
                .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
                .where(GroupMemberRow.user_id.in_(list(user_ids)))
                .order_by(GroupRow.name, GroupRow.id))
        found: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        for user_id, group_id, name in (await self.session.execute(stmt)).all():
            found[user_id].append((group_id, name))
        return dict(found)

    async def for_users(self, user_ids: Sequence[str]) -> dict[str, list[GroupRow]]:
        """Each user's groups, by name: one query for a whole page of users."""
        if not user_ids:
            return {}
        stmt = (select(GroupMemberRow.user_id, GroupRow)
                .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
                .where(GroupMemberRow.user_id.in_(list(user_ids)))
                .order_by(GroupRow.name, GroupRow.id))
        found: dict[str, list[GroupRow]] = defaultdict(list)
        for user_id, group in (await self.session.execute(stmt)).all():
            found[user_id].append(group)
        return dict(found)
