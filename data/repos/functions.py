"""Functions: Open WebUI's `function` rows and their `function_history` snapshots."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import FunctionHistoryRow, FunctionRow, UserRow


class FunctionRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, function_id: str) -> FunctionRow | None:
        return await self.session.get(FunctionRow, function_id)

    async def get_for_update(self, function_id: str) -> FunctionRow | None:
        stmt = select(FunctionRow).where(FunctionRow.id == function_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all(self, *, type: str | None = None, active: bool | None = None
                  ) -> Sequence[FunctionRow]:
        """Oldest first, as Open WebUI lists them."""
        stmt = select(FunctionRow).order_by(FunctionRow.created_at, FunctionRow.id)
        if type is not None:
            stmt = stmt.where(FunctionRow.type == type)
        if active is not None:
            stmt = stmt.where(FunctionRow.is_active == active)
        return (await self.session.execute(stmt)).scalars().all()

    async def owners(self, user_ids: Sequence[str]) -> dict[str, UserRow]:
        if not user_ids:
            return {}
        stmt = select(UserRow).where(UserRow.id.in_(set(user_ids)))
        return {row.id: row for row in (await self.session.execute(stmt)).scalars()}

    async def add(self, row: FunctionRow) -> FunctionRow:
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, function_id: str) -> bool:
        await self.session.execute(delete(FunctionHistoryRow).where(
            FunctionHistoryRow.function_id == function_id))
        stmt = delete(FunctionRow).where(FunctionRow.id == function_id)
        return (await self.session.execute(stmt)).rowcount > 0

    async def history(self, function_id: str) -> Sequence[FunctionHistoryRow]:
        """Newest first."""
        stmt = (select(FunctionHistoryRow)
                .where(FunctionHistoryRow.function_id == function_id)
                .order_by(FunctionHistoryRow.created_at.desc(), FunctionHistoryRow.id.desc()))
        return (await self.session.execute(stmt)).scalars().all()

    async def add_history(self, row: FunctionHistoryRow) -> None:
        self.session.add(row)
        await self.session.flush()
