"""Pub/sub between instances over broadcaster: `memory://` in one process, `redis://` or
`postgres://` across processes. This module owns every channel name and the event encoding
(JSON objects).

Brokers are shared: Redis pub/sub ignores the database number in its URL, so deployments
on one Redis meet on any channel name. Every channel is therefore namespaced with the
deployment's prefix (REDIS_KEY_PREFIX), and every message carries an HMAC of its channel
and body under a key derived from the server secret: a message from a deployment that
shares the prefix but not the secret is dropped here, before anyone reads it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from broadcaster import Broadcast
from broadcaster._backends.base import BroadcastBackend
from broadcaster._base import Unsubscribed

# PostgreSQL's NOTIFY payload limit is 8000 bytes; leave room for the channel name.
POSTGRES_MAX_PAYLOAD = 7900
# PostgreSQL channel names are identifiers: at most 63 bytes.
POSTGRES_MAX_CHANNEL = 63
SIGNATURE_CHARS = 22  # 16 bytes of HMAC-SHA256, base64url without padding
PROBE = "~probe"  # the key of the message confirming a new Redis subscription
PROBE_WAIT = 5.0  # seconds

log = logging.getLogger("parley.pubsub")


class PayloadTooLarge(ValueError):
    pass


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"


def chat_channel(chat_id: str) -> str:
    return f"chat:{chat_id}"


def completion_channel(task_id: str) -> str:
    return f"completion:{task_id}"


def file_channel(file_id: str) -> str:
    """A file's processing status, as it changes."""
    return f"file:{file_id}"


def pipeline_run_channel(run_id: str) -> str:
    """A pipeline run's step events (started, tokens, ended) and its end."""
    return f"pipeline_run:{run_id}"


def evaluation_channel(evaluation_id: str) -> str:
    """An evaluation run's progress: cases done of all, and each model's mean score."""
    return f"evaluation:{evaluation_id}"


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


def signing_key(secret: str) -> bytes:
    """The key messages are signed with, derived from the server secret (which every
    instance of a deployment shares, as its tokens must verify everywhere)."""
    return hmac.digest(secret.encode(), b"parley pub/sub messages", "sha256")


class PubSub:
    def __init__(self, url: str, *, prefix: str, key: bytes):
        self.url = url
        self.scheme = urlsplit(url).scheme
        self.prefix = prefix
        self._key = key
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

    def broker_channel(self, channel: str) -> str:
        """The name the broker knows `channel` by: in this deployment's namespace."""
        name = f"{self.prefix}:{channel}"
        if self.scheme == "postgres" and len(name.encode()) > POSTGRES_MAX_CHANNEL:
            # A hash keeps long names distinct where PostgreSQL would truncate them.
            name = "parley-" + hashlib.sha256(name.encode()).hexdigest()[:48]
        return name

    def _signature(self, channel: str, body: str) -> str:
        mac = hmac.new(self._key, channel.encode(), "sha256")
        mac.update(b"\n" + body.encode())
        return base64.urlsafe_b64encode(mac.digest()[:16]).decode()[:SIGNATURE_CHARS]

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        name = self.broker_channel(channel)
        body = json.dumps(event, separators=(",", ":"))
        message = self._signature(name, body) + body
        if self.scheme == "postgres" and len(message.encode()) > POSTGRES_MAX_PAYLOAD:
            raise PayloadTooLarge(
                f"a {len(message.encode())}-byte event exceeds PostgreSQL's NOTIFY limit; "
                "publish a reference to stored data instead")
        await self._broadcast.publish(name, message)

    def _opened(self, event) -> dict[str, Any] | None:
        """The event's JSON object, or None when it was not signed by this deployment.
        broadcaster hands one Event object to every local subscriber: check it once.
        Readers get the same dict and must not change it."""
        try:
            return event.opened
        except AttributeError:
            pass
        message = event.message
        body = message[SIGNATURE_CHARS:]
        value = None
        if hmac.compare_digest(message[:SIGNATURE_CHARS].encode(),
                               self._signature(event.channel, body).encode()):
            value = json.loads(body)
            if PROBE in value:  # for the subscriber that sent it (_confirmed), no reader
                value = None
        event.opened = value
        return value

    async def _confirmed(self, name: str, subscriber) -> list[Any]:
        """Wait until the broker delivers on a new subscription. Redis answers SUBSCRIBE
        without redis-py waiting for it, so a message published by anyone at once could
        still miss it: a probe sent after SUBSCRIBE comes back only once the subscription
        is live. Returns what arrived before the probe, for the reader."""
        body = json.dumps({PROBE: secrets.token_hex(8)})
        probe = self._signature(name, body) + body
        earlier = []
        try:
            async with asyncio.timeout(PROBE_WAIT):
                await self._broadcast.publish(name, probe)
                while (event := await subscriber.get()).message != probe:
                    earlier.append(event)
        except TimeoutError:  # a slow broker: go on as broadcaster would, unconfirmed
            log.warning("pub/sub: %s not confirmed within %s s", name, PROBE_WAIT)
        return earlier

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Events]:
        """Subscribe first, then read: nothing published after entering is missed, by
        this instance or any other (the broker has confirmed the subscription).

        Entering and leaving are serialised: broadcaster registers a channel's first
        subscriber only after the broker confirms, and a second subscriber arriving in
        between (or one leaving) would otherwise be lost on Redis and PostgreSQL."""
        name = self.broker_channel(channel)
        subscription = self._broadcast.subscribe(name)
        earlier: list[Any] = []
        async with self._subscribing:
            first = name not in self._broadcast._subscribers
            subscriber = await subscription.__aenter__()
            if first and self.scheme in ("redis", "rediss"):
                earlier = await self._confirmed(name, subscriber)
        try:
            yield Events(subscriber, self._opened, earlier)
        finally:
            async with self._subscribing:
                await subscription.__aexit__(None, None, None)

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self.publish("ping", {}), timeout=2)
        except Exception:  # any backend failure means "not ready"
            return False
        return True


class Events:
    """A subscription's events, decoded. Waiting for the next one may be cancelled (a
    timeout, say) without ending the subscription, unlike an async generator's."""

    def __init__(self, subscriber, opened: Callable[[Any], dict[str, Any] | None],
                 earlier: list[Any]):
        self._subscriber = subscriber
        self._opened = opened
        self._earlier = earlier  # received while the subscription was being confirmed

    def __aiter__(self) -> Events:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while True:
            if self._earlier:
                event = self._earlier.pop(0)
            else:
                try:
                    event = await self._subscriber.get()
                except Unsubscribed:
                    raise StopAsyncIteration from None
            value = self._opened(event)
            if value is not None:
                return value

    def waiting(self) -> list[dict[str, Any]]:
        """The events already received and not yet read, without waiting: a reader that
        fell behind can take them at once (and merge them). Reads broadcaster's queue."""
        queue = self._subscriber._queue
        found = [v for v in map(self._opened, self._earlier) if v is not None]
        self._earlier = []
        while not queue.empty():
            event = queue.get_nowait()
            if event is None:  # the end of the subscription: leave it for __anext__
                queue.put_nowait(None)
                break
            value = self._opened(event)
            if value is not None:
                found.append(value)
        return found
