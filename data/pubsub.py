"""Pub/sub between instances over broadcaster: `memory://` in one process, `redis://` or
`postgres://` across processes. This module owns every channel name and the event encoding
(JSON objects)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from broadcaster import Broadcast
from broadcaster._backends.base import BroadcastBackend

# PostgreSQL's NOTIFY payload limit is 8000 bytes; leave room for the channel name.
POSTGRES_MAX_PAYLOAD = 7900


class PayloadTooLarge(ValueError):
    pass


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"


def chat_channel(chat_id: str) -> str:
    return f"chat:{chat_id}"


def completion_channel(task_id: str) -> str:
    return f"completion:{task_id}"


class _OneAtATime(BroadcastBackend):
    """broadcaster's postgres backend runs everything on one asyncpg connection, which
    refuses a second operation while one is in flight: serialise them."""

    def __init__(self, inner: BroadcastBackend):
        self.inner = inner
        self.lock = asyncio.Lock()

    async def connect(self) -> None:
        await self.inner.connect()

    async def disconnect(self) -> None:
        async with self.lock:
            await self.inner.disconnect()

    async def subscribe(self, channel: str) -> None:
        async with self.lock:
            await self.inner.subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        async with self.lock:
            await self.inner.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        async with self.lock:
            await self.inner.publish(channel, message)

    async def next_published(self):
        return await self.inner.next_published()


class PubSub:
    def __init__(self, url: str):
        self.url = url
        self.scheme = urlsplit(url).scheme
        if self.scheme == "postgres":
            from broadcaster._backends.postgres import PostgresBackend

            self._broadcast = Broadcast(backend=_OneAtATime(PostgresBackend(url)))
        else:
            self._broadcast = Broadcast(url)
        self.connected = False

    async def connect(self) -> None:
        await self._broadcast.connect()
        self.connected = True

    async def disconnect(self) -> None:
        if self.connected:
            self.connected = False
            await self._broadcast.disconnect()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        message = json.dumps(event, separators=(",", ":"))
        if self.scheme == "postgres" and len(message.encode()) > POSTGRES_MAX_PAYLOAD:
            raise PayloadTooLarge(
                f"a {len(message.encode())}-byte event exceeds PostgreSQL's NOTIFY limit; "
                "publish a reference to stored data instead")
        await self._broadcast.publish(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Subscribe first, then read: nothing published after entering is missed."""
        async with self._broadcast.subscribe(channel) as subscriber:
            yield _decoded(subscriber)

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self._broadcast.publish("parley:ping", "{}"), timeout=2)
        except Exception:  # any backend failure means "not ready"
            return False
        return True


async def _decoded(subscriber) -> AsyncIterator[dict[str, Any]]:
    async for event in subscriber:
        yield json.loads(event.message)
