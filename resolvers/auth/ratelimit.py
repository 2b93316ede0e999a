"""Rate limits that hold across every instance of a deployment: attempts are counted in
the store the instances share, Redis when the deployment has one, else the database.
(Counted in each process, a limit would multiply with the number of workers.)"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING, Protocol

from data.repos.rate_limits import RateLimitRepo

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from resolvers.context import Context

log = logging.getLogger("parley")


class Counts(Protocol):
    """A shared counter store (data/rate_counts.py: RedisCounts)."""

    async def hit(self, key: str, window_ms: int) -> tuple[int, int]: ...


class SharedLimit:
    """At most `attempts` per `window_seconds` per subject (e.g. an e-mail address), in
    fixed windows that begin with a subject's first attempt."""

    def __init__(self, name: str, attempts: int, window_seconds: float, *,
                 sessionmaker: async_sessionmaker[AsyncSession], counts: Counts | None = None):
        self.name, self.attempts, self.window_ms = name, attempts, int(window_seconds * 1000)
        self._sessionmaker, self._counts = sessionmaker, counts
        self._next_prune = 0.0

    async def hit(self, ctx: Context, subject: str) -> float | None:
        """Count an attempt; return the seconds to wait when it is over the limit, else
        None. Subjects are stored hashed: the store holds no e-mail addresses."""
        key = f"{self.name}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"
        attempts, left_ms = await self._count(ctx, key)
        return left_ms / 1000 if attempts > self.attempts else None

    async def _count(self, ctx: Context, key: str) -> tuple[int, int]:
        if self._counts is not None:
            try:
                return await self._counts.hit(key, self.window_ms)
            except Exception as error:  # Redis is down: the database still holds the limit
                log.warning("rate limit: Redis failed (%s); counting in the database", error)
        now = int(time.time() * 1000)
        if ctx.writes:
            # The caller's transaction may hold SQLite's one write lock: count inside it.
            attempts, ends = await RateLimitRepo(ctx.session).hit(key, now, self.window_ms)
            return attempts, ends - now
        # Its own transaction, committed whatever the attempt's outcome.
        async with self._sessionmaker() as session:
            attempts, ends = await RateLimitRepo(session).hit(key, now, self.window_ms)
            await session.commit()
        if now >= self._next_prune:  # once a window per process, apart from counting
            self._next_prune = now + self.window_ms
            async with self._sessionmaker() as session:
                await RateLimitRepo(session).prune(now)
                await session.commit()
        return attempts, ends - now
