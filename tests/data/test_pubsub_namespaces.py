"""Deployments sharing a broker never meet: channels live in the deployment's namespace
(REDIS_KEY_PREFIX, by default derived from the database), and a message not signed with
the deployment's secret is dropped even when the namespace is the same."""

import asyncio
import uuid
from pathlib import Path

import pytest
from broadcaster import Broadcast

from data.pubsub import POSTGRES_MAX_CHANNEL, completion_channel, task_control_channel
from data.settings import SettingsError, database_url, deployment_prefix, load_settings
from tests.support.brokers import connected, own_prefix
from tests.support.databases import PG_DSN, REDIS_URL

PG_PUBSUB = PG_DSN.replace("postgresql://", "postgres://")
BROKERS = pytest.mark.parametrize("url", [REDIS_URL, PG_PUBSUB], ids=["redis", "postgres"])


def _prefix(tmp_path: Path, **env: str) -> str:
    return load_settings({"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k" * 32,
                          **env}).redis_key_prefix


def test_default_prefix_is_the_database_identity(tmp_path, monkeypatch):
    pg = _prefix(tmp_path, DATABASE_URL="postgresql://alice:pw@DB.example:5432/chat")
    # The same database, however it is reached: other user and driver, default port.
    assert pg == _prefix(tmp_path, DATABASE_URL="postgres://bob@db.example/chat")
    assert pg == deployment_prefix(database_url("postgresql+psycopg://db.example/chat"))
    assert pg.startswith("parley-")
    assert pg != _prefix(tmp_path, DATABASE_URL="postgresql://db.example/chat2")
    assert pg != _prefix(tmp_path, DATABASE_URL="postgresql://db2.example/chat")
    assert pg != _prefix(tmp_path, DATABASE_URL="postgresql://db.example:5433/chat")

    monkeypatch.chdir(tmp_path)
    relative = _prefix(tmp_path, DATABASE_URL="sqlite:///data/webui.db")
    assert relative == _prefix(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/data/webui.db")
    assert relative != _prefix(tmp_path, DATABASE_URL="sqlite:///other/webui.db")
    # DATABASE_URL unset: the file in DATA_DIR.
    assert _prefix(tmp_path) == _prefix(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/webui.db")
    # A database in memory belongs to one process alone.
    assert _prefix(tmp_path, DATABASE_URL="sqlite://") != _prefix(tmp_path,
                                                                  DATABASE_URL="sqlite://")


def test_an_explicit_prefix_wins_and_is_checked(tmp_path):
    assert _prefix(tmp_path, REDIS_KEY_PREFIX=" open-webui ") == "open-webui"
    assert _prefix(tmp_path, REDIS_KEY_PREFIX="") == _prefix(tmp_path)
    for bad in ("two words", "tab\there", "x" * 65):
        with pytest.raises(SettingsError, match="REDIS_KEY_PREFIX"):
            _prefix(tmp_path, REDIS_KEY_PREFIX=bad)


@BROKERS
async def test_only_the_own_deployments_messages_arrive(url):
    prefix = own_prefix()
    listener = await connected(url, prefix=prefix)
    sibling = await connected(url, prefix=prefix)  # another instance of the deployment
    elsewhere = await connected(url)  # another deployment, same secret
    impostor = await connected(url, prefix=prefix, secret="another-deployments-secret")
    raw = Broadcast(url)  # a client of the broker that signs nothing
    await raw.connect()
    channel = task_control_channel()
    try:
        async with listener.subscribe(channel) as events:
            await elsewhere.publish(channel, {"op": "list", "from": "elsewhere"})
            await impostor.publish(channel, {"op": "list", "from": "impostor"})
            for forged in ('{"op":"list"}', "é" * 30, ""):
                await raw.publish(listener.broker_channel(channel), forged)
            # Published after the others: a broker delivers one subscriber's messages in
            # the order it took them, so anything foreign that got through came first.
            await sibling.publish(channel, {"op": "list", "from": "sibling"})
            first = await asyncio.wait_for(anext(events), 5)
            assert first == {"op": "list", "from": "sibling"}
            assert events.waiting() == []
    finally:
        await raw.disconnect()
        for pubsub in (listener, sibling, elsewhere, impostor):
            await pubsub.disconnect()


@BROKERS
async def test_channels_are_namespaced_on_the_broker(url):
    pubsub = await connected(url, prefix="parley-0123456789ab")
    try:
        task_id = str(uuid.uuid4())
        name = pubsub.broker_channel(completion_channel(task_id))
        if url == REDIS_URL:
            assert name == f"parley-0123456789ab:completion:{task_id}"
        else:  # longer than PostgreSQL allows: a hash of the full name, still distinct
            assert len(name) <= POSTGRES_MAX_CHANNEL
            assert name != pubsub.broker_channel(completion_channel(str(uuid.uuid4())))
        assert pubsub.broker_channel("tasks:control") == "parley-0123456789ab:tasks:control"
        async with pubsub.subscribe(completion_channel(task_id)) as events:
            await pubsub.publish(completion_channel(task_id), {"t": "delta"})
            assert await asyncio.wait_for(anext(events), 5) == {"t": "delta"}
    finally:
        await pubsub.disconnect()
