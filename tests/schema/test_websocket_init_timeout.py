"""graphql-transport-ws: a socket that never sends connection_init is closed with 4408
once GRAPHQL_WS_INIT_TIMEOUT has passed."""

import asyncio
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"GRAPHQL_WS_INIT_TIMEOUT": "1"}


async def test_a_socket_without_connection_init_is_closed_with_4408(live_server):
    url = live_server.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:
        opened = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd.code == 4408
    assert closed.value.rcvd.reason == "Connection initialisation timeout"
    assert 0.9 < time.monotonic() - opened < 5
