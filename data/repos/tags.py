"""Tags: one `tag` row per user and tag id; chats name their tags in `meta.tags`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import TagRow


class TagRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def for_user(self, user_id: str) -> Sequence[TagRow]:
        stmt = select(TagRow).where(TagRow.user_id == user_id).order_by(TagRow.name)
        return (await self.session.execute(stmt)).scalars().all()

    async def by_keys(self, keys: Sequence[tuple[str, str]]) -> Sequence[TagRow]:
        """Tags by (user_id, tag_id)."""
        if not keys:
            return []
        stmt = select(TagRow).where(tuple_(TagRow.user_id, TagRow.id).in_(list(keys)))
        return (await self.session.execute(stmt)).scalars().all()

    async def ensure(self, user_id: str, tag_id: str, name: str) -> None:
        if await self.session.get(TagRow, {"id": tag_id, "user_id": user_id}) is None:
            self.session.add(TagRow(id=tag_id, name=name, user_id=user_id, meta={}))
            await self.session.flush()

    async def delete(self, user_id: str, tag_ids: Sequence[str]) -> None:
        if tag_ids:
            await self.session.execute(delete(TagRow).where(TagRow.user_id == user_id,
                                                            TagRow.id.in_(list(tag_ids))))
