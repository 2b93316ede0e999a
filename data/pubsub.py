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
from broadcaster._base import Unsubscribed

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


def task_control_channel() -> str:
    """Where instances ask each other about tasks (stop one, replay one's answer)."""
    return "tasks:control"


def reply_channel(request_id: str) -> str:
    return f"reply:{request_id}"


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
        self._subscribing = asyncio.Lock()

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
    async def subscribe(self, channel: str) -> AsyncIterator[Events]:
        """Subscribe first, then read: nothing published after entering is missed.

        Entering and leaving are serialised: broadcaster registers a channel's first
        subscriber only after the broker confirms, and a second subscriber arriving in
        between (or one leaving) would otherwise be lost on Redis and PostgreSQL."""
        subscription = self._broadcast.subscribe(channel)
        async with self._subscribing:
            subscriber = await subscription.__aenter__()
        try:
            yield Events(subscriber)
        finally:
            async with self._subscribing:
                await subscription.__aexit__(None, None, None)

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self._broadcast.publish("parley:ping", "{}"), timeout=2)
        except Exception:  # any backend failure means "not ready"
            return False
        return True


class Events:
    """A subscription's events, decoded. Waiting for the next one may be cancelled (a
    timeout, say) without ending the subscription, unlike an async generator's."""

    def __init__(self, subscriber):
        self._subscriber = subscriber

    def __aiter__(self) -> Events:
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            event = await self._subscriber.get()
        except Unsubscribed:
            raise StopAsyncIteration from None
        return _decoded(event)

    def waiting(self) -> list[dict[str, Any]]:
        """The events already received and not yet read, without waiting: a reader that
        fell behind can take them at once (and merge them). Reads broadcaster's queue."""
        queue = self._subscriber._queue
        found = []
        while not queue.empty():
            event = queue.get_nowait()
            if event is None:  # the end of the subscription: leave it for __anext__
                queue.put_nowait(None)
                break
            found.append(_decoded(event))
        return found


def _decoded(event) -> dict[str, Any]:
    """broadcaster hands one Event object to every local subscriber: decode it once.
    Readers get the same dict and must not change it."""
    value = getattr(event, "decoded", None)
    if value is None:
        value = event.decoded = json.loads(event.message)
    return value
