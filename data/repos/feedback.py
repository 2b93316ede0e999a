"""Feedback: Open WebUI's `feedback` rows (thumbs and arena votes), shared with it as is."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import FeedbackRow, UserRow


class FeedbackRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, feedback_id: str, *, user_id: str | None = None) -> FeedbackRow | None:
        """By id; with `user_id`, only if it is that user's."""
        stmt = select(FeedbackRow).where(FeedbackRow.id == feedback_id)
        if user_id is not None:
            stmt = stmt.where(FeedbackRow.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all(self, *, user_id: str | None = None, ratings_only: bool = False,
                  offset: int = 0, limit: int | None = None) -> Sequence[FeedbackRow]:
        """Newest change first, as Open WebUI lists them (ties by id)."""
        stmt = select(FeedbackRow)
        if user_id is not None:
            stmt = stmt.where(FeedbackRow.user_id == user_id)
        if ratings_only:
            stmt = stmt.where(FeedbackRow.type == "rating")
        stmt = stmt.order_by(FeedbackRow.updated_at.desc(), FeedbackRow.id)
        return (await self.session.execute(stmt.offset(offset).limit(limit))).scalars().all()

    async def count(self, *, user_id: str | None = None) -> int:
        stmt = select(func.count()).select_from(FeedbackRow)
        if user_id is not None:
            stmt = stmt.where(FeedbackRow.user_id == user_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def users(self, user_ids: Sequence[str]) -> dict[str, UserRow]:
        if not user_ids:
            return {}
        stmt = select(UserRow).where(UserRow.id.in_(sorted(set(user_ids))))
        return {row.id: row for row in (await self.session.execute(stmt)).scalars()}

    async def add(self, row: FeedbackRow) -> FeedbackRow:
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, feedback_id: str, *, user_id: str | None = None) -> bool:
        stmt = delete(FeedbackRow).where(FeedbackRow.id == feedback_id)
        if user_id is not None:
            stmt = stmt.where(FeedbackRow.user_id == user_id)
        return (await self.session.execute(stmt)).rowcount > 0

    async def delete_all(self, *, user_id: str | None = None) -> int:
        stmt = delete(FeedbackRow)
        if user_id is not None:
            stmt = stmt.where(FeedbackRow.user_id == user_id)
        return (await self.session.execute(stmt)).rowcount
