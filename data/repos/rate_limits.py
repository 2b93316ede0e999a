"""Rate-limit counters in the database: one row per key, counting the attempts of a
fixed window that begins with the first attempt."""

from __future__ import annotations

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import RateLimitRow


class RateLimitRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def hit(self, key: str, now_ms: int, window_ms: int) -> tuple[int, int]:
        """Count one attempt; returns the window's attempts so far and its end (ms). One
        statement (an upsert), so instances counting at once never lose an attempt."""
        dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite
        table = RateLimitRow.__table__
        expired = table.c.expires_at <= now_ms
        stmt = dialect.insert(table).values(key=key, attempts=1, expires_at=now_ms + window_ms)
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
            "attempts": case((expired, 1), else_=table.c.attempts + 1),
            "expires_at": case((expired, now_ms + window_ms), else_=table.c.expires_at),
        }).returning(table.c.attempts, table.c.expires_at)
        attempts, expires_at = (await self.session.execute(stmt)).one()
        return attempts, expires_at

    async def prune(self, now_ms: int) -> None:
        await self.session.execute(delete(RateLimitRow).where(RateLimitRow.expires_at <= now_ms))
