"""A subscription's events: a timed-out wait leaves the subscription usable, and a
reader that fell behind can take every waiting event at once."""

import asyncio
import uuid

import pytest

from data.pubsub import completion_channel
from tests.support.brokers import connected
from tests.support.databases import PG_DSN, REDIS_URL


async def test_waiting_events_and_cancelled_waits():
    pubsub = await connected("memory://")
    channel = completion_channel("t1")
    try:
        async with pubsub.subscribe(channel) as events:
            try:
                async with asyncio.timeout(0.05):
                    await anext(events)
            except TimeoutError:
                pass
            for n in range(5):
                await pubsub.publish(channel, {"n": n})
            assert (await anext(events))["n"] == 0
            await asyncio.sleep(0.01)
            assert [e["n"] for e in events.waiting()] == [1, 2, 3, 4]
            assert events.waiting() == []
            await pubsub.publish(channel, {"n": 5})
            assert (await anext(events))["n"] == 5
    finally:
        await pubsub.disconnect()


@pytest.mark.parametrize("url", ["memory://", REDIS_URL,
                                 PG_DSN.replace("postgresql://", "postgres://")],
                         ids=["memory", "redis", "postgres"])
async def test_many_subscribers_to_one_channel_at_once_all_receive(url):
    """broadcaster alone loses subscribers that arrive while the channel's first one is
    being registered with Redis or PostgreSQL."""
    pubsub = await connected(url)
    channel = completion_channel(uuid.uuid4().hex)
    ready, got = asyncio.Event(), []

    async def listen():
        async with pubsub.subscribe(channel) as events:
            got.append(None)
            if len(got) == 50:
                ready.set()
            return (await anext(events))["n"]

    try:
        listeners = [asyncio.ensure_future(listen()) for _ in range(50)]
        await asyncio.wait_for(ready.wait(), 5)
        await pubsub.publish(channel, {"n": 7})
        assert await asyncio.wait_for(asyncio.gather(*listeners), 5) == [7] * 50
    finally:
        await pubsub.disconnect()


@pytest.mark.parametrize("url", [REDIS_URL, PG_DSN.replace("postgresql://", "postgres://")],
                         ids=["redis", "postgres"])
async def test_a_message_published_elsewhere_right_after_subscribing_arrives(url):
    """Entering a subscription waits for the broker to confirm it: another instance may
    publish at once (a task's owner answering a question just asked), with no pause."""
    listener = await connected(url)
    other = await connected(url, prefix=listener.prefix)
    try:
        for n in range(100):
            channel = completion_channel(uuid.uuid4().hex)
            async with listener.subscribe(channel) as events:
                await other.publish(channel, {"n": n})
                assert (await asyncio.wait_for(anext(events), 5))["n"] == n
    finally:
        await listener.disconnect()
        await other.disconnect()
