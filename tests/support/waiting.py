"""Waiting in tests for something another task or process does, with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(condition: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    """Poll `condition` until it holds; fail after `seconds`. For state only a database
    or a server holds, where there is no event to wait on."""
    async with asyncio.timeout(seconds):
        while not await condition():  # noqa: ASYNC110 (polling state held elsewhere)
            await asyncio.sleep(0.05)
