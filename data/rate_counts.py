"""Rate-limit counters in Redis, shared by every instance using it: INCR on a key that
expires with its window, in the deployment's namespace (REDIS_KEY_PREFIX)."""

from __future__ import annotations


class RedisCounts:
    def __init__(self, url: str, prefix: str):
        from redis import asyncio as redis  # only deployments with Redis pay for importing it

        self._redis = redis.Redis.from_url(url)
        self.prefix = prefix

    async def hit(self, key: str, window_ms: int) -> tuple[int, int]:
        """Count one attempt; returns the window's attempts so far and the milliseconds
        left in it. SET NX starts a window, INCR keeps its expiry; MULTI makes the three
        one step for every instance."""
        name = f"{self.prefix}:ratelimit:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, px=window_ms, nx=True)
            pipe.incr(name)
            pipe.pttl(name)
            _, attempts, left = await pipe.execute()
        return attempts, max(left, 0)

    async def close(self) -> None:
        await self._redis.aclose()
