"""Feedback: Open WebUI's `feedback` rows (thumbs and arena votes), shared with it as is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import FeedbackRow, UserRow


class Vote(NamedTuple):
    id: str
    data: Any


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

    async def votes(self) -> list[Vote]:
        """Every feedback's id and data, in the table's own order: no ORDER BY, as Open
        WebUI reads them for its leaderboard (whose Elo depends on the order)."""
        rows = await self.session.execute(select(FeedbackRow.id, FeedbackRow.data))
        return [Vote(*row) for row in rows.all()]

    async def dated(self, *, since: int | None) -> list[tuple[int, Any]]:
        """(created_at, data) of feedback created at or after `since` (None: all)."""
        stmt = select(FeedbackRow.created_at, FeedbackRow.data)
        if since is not None:
            stmt = stmt.where(FeedbackRow.created_at >= since)
        return [tuple(row) for row in (await self.session.execute(stmt)).all()]

    async def page_with_users(self, *, order_by: str | None, direction: str | None,
                              model_id: str | None, offset: int, limit: int
                              ) -> tuple[list[tuple[FeedbackRow, UserRow]], int]:
        """Open WebUI's admin list: feedback joined to its author (feedback whose author
        is gone is left out, as there), newest first unless ordered by username,
        model_id, rating or updated_at; and how many there are in all."""
        stmt = select(FeedbackRow, UserRow).join(UserRow, FeedbackRow.user_id == UserRow.id)
        if model_id:
            stmt = stmt.where(FeedbackRow.data["model_id"].as_string() == model_id)
        key = {"username": UserRow.name, "model_id": FeedbackRow.data["model_id"].as_string(),
               "rating": FeedbackRow.data["rating"].as_string(),
               "updated_at": FeedbackRow.updated_at}.get(order_by or "")
        if key is not None:
            stmt = stmt.order_by(key.asc() if direction == "asc" else key.desc())
        elif not order_by:
            stmt = stmt.order_by(FeedbackRow.created_at.desc())
        total = (await self.session.execute(
            select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()
        rows = await self.session.execute(stmt.offset(offset).limit(limit))
        return [(f, u) for f, u in rows.all()], int(total)

    async def model_ids(self) -> list[str]:
        stmt = select(FeedbackRow.data["model_id"].as_string()).distinct()
        return sorted(m for m in (await self.session.execute(stmt)).scalars() if m)

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
