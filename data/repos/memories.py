"""Memories: the `memory` rows Open WebUI also reads, always scoped to their owner."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import MemoryRow


class MemoryRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get_own(self, user_id: str, memory_id: str) -> MemoryRow | None:
        stmt = select(MemoryRow).where(MemoryRow.id == memory_id, MemoryRow.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def many_own(self, user_id: str, memory_ids: Sequence[str]) -> dict[str, MemoryRow]:
        if not memory_ids:
            return {}
        stmt = select(MemoryRow).where(MemoryRow.user_id == user_id,
                                       MemoryRow.id.in_(list(memory_ids)))
        return {row.id: row for row in (await self.session.execute(stmt)).scalars()}

    async def page_for_user(self, user_id: str, *, offset: int = 0,
                            limit: int | None = None) -> Sequence[MemoryRow]:
        """Oldest first, as Open WebUI lists them (by insertion; ties by id)."""
        stmt = (select(MemoryRow).where(MemoryRow.user_id == user_id)
                .order_by(MemoryRow.created_at, MemoryRow.id).offset(offset).limit(limit))
        return (await self.session.execute(stmt)).scalars().all()

    async def count_for_user(self, user_id: str) -> int:
        stmt = select(func.count()).select_from(MemoryRow).where(MemoryRow.user_id == user_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, row: MemoryRow) -> MemoryRow:
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete_own(self, user_id: str, memory_id: str) -> bool:
        stmt = delete(MemoryRow).where(MemoryRow.id == memory_id, MemoryRow.user_id == user_id)
        return (await self.session.execute(stmt)).rowcount > 0

    async def delete_all_own(self, user_id: str) -> int:
        stmt = delete(MemoryRow).where(MemoryRow.user_id == user_id)
        return (await self.session.execute(stmt)).rowcount
