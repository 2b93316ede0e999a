"""Pub/sub clients for tests: each gets a namespace of its own, so two test runs sharing
the machine's Redis or PostgreSQL never see each other's messages."""

from __future__ import annotations

import uuid

from data.pubsub import PubSub, signing_key
from tests.support.databases import service_missing


def own_prefix() -> str:
    return f"parley-test-{uuid.uuid4().hex[:12]}"


async def connected(url: str, *, prefix: str | None = None,
                    secret: str = "test-secret-key-0123456789abcdef") -> PubSub:
    """A connected client in `prefix`'s namespace (a fresh one by default)."""
    pubsub = PubSub(url, prefix=prefix or own_prefix(), key=signing_key(secret))
    try:
        await pubsub.connect()
    except OSError as error:
        service_missing(url.split(":")[0], error)
    return pubsub
