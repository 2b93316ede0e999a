"""Events cross instances on every backend; PostgreSQL's path survives concurrency."""

import asyncio

import pytest

from data.pubsub import PayloadTooLarge, PubSub, chat_channel
from tests.support.brokers import connected
from tests.support.databases import PG_DSN, REDIS_URL


async def _receive(pubsub: PubSub, channel: str, count: int, ready: asyncio.Event):
    received = []
    async with pubsub.subscribe(channel) as events:
        ready.set()
        async for event in events:
            received.append(event)
            if len(received) == count:
                return received


@pytest.mark.parametrize("url", ["memory://", REDIS_URL,
                                 PG_DSN.replace("postgresql://", "postgres://")],
                         ids=["memory", "redis", "postgres"])
async def test_events_reach_subscribers_in_order(url):
    publisher = await connected(url)
    # Across processes a second instance has its own connection; memory:// is one process.
    listener = publisher if url == "memory://" else await connected(url,
                                                                    prefix=publisher.prefix)
    channel = chat_channel("c-" + url.split(":")[0])
    ready = asyncio.Event()
    task = asyncio.create_task(_receive(listener, channel, 50, ready))
    await asyncio.wait_for(ready.wait(), 5)
    # Concurrent publishes: broadcaster's own postgres backend fails these.
    await asyncio.gather(*(publisher.publish(channel, {"n": i}) for i in range(50)))
    received = await asyncio.wait_for(task, 10)
    assert sorted(e["n"] for e in received) == list(range(50))
    assert await publisher.ping()
    if listener is not publisher:
        await listener.disconnect()
    await publisher.disconnect()


async def test_postgres_refuses_payloads_over_notify_limit():
    pubsub = await connected(PG_DSN.replace("postgresql://", "postgres://"))
    with pytest.raises(PayloadTooLarge):
        await pubsub.publish("chat:big", {"text": "x" * 9000})
    await pubsub.publish("chat:small", {"text": "x" * 1000})
    await pubsub.disconnect()
