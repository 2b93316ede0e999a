"""Frames that are not the protocol's shapes, sent after connection_ack on either
GraphQL WebSocket protocol: the socket closes with 4400 and a reason, nothing is
logged as an error, and the server goes on serving."""

import json

import pytest
from websockets.exceptions import ConnectionClosed

from tests.schema.test_websocket import (
    LEGACY_WS,
    TRANSPORT_WS,
    VIEWER,
    init,
    open_socket,
    receive,
    run,
)

QUERY = {"query": VIEWER}
SHARED = ["[]", "42", '"text"', "null", "true", "{}", '{"type": 5}', '{"type": null}']
TRANSPORT_WS_FRAMES = SHARED + [
    json.dumps({"type": "subscribe", "id": "1", "payload": []}),
    json.dumps({"type": "subscribe", "id": "1", "payload": "{ viewer { id } }"}),
    json.dumps({"type": "subscribe", "id": ["1"], "payload": QUERY}),
    json.dumps({"type": "subscribe", "id": 1, "payload": QUERY}),
    json.dumps({"type": "subscribe", "payload": QUERY}),
    json.dumps({"type": "subscribe", "id": "1", "payload": {"query": 5}}),
    json.dumps({"type": "subscribe", "id": "1", "payload": {**QUERY, "variables": []}}),
    json.dumps({"type": "subscribe", "id": "1", "payload": {**QUERY, "operationName": 3}}),
    json.dumps({"type": "complete", "id": {}}),
    json.dumps({"type": "ping", "payload": "x"}),
]
LEGACY_WS_FRAMES = SHARED + [
    json.dumps({"type": "start", "id": "1", "payload": []}),
    json.dumps({"type": "start", "id": ["1"], "payload": QUERY}),
    json.dumps({"type": "start", "id": "1", "payload": {"query": ["x"]}}),
    json.dumps({"type": "start", "id": "1", "payload": {**QUERY, "variables": "x"}}),
    json.dumps({"type": "stop", "id": []}),
]


async def _closed_with_4400(socket, frame: str) -> None:
    await socket.send(frame)
    with pytest.raises(ConnectionClosed) as closed:
        while True:  # a legacy keep-alive may come first
            await receive(socket)
    assert closed.value.rcvd.code == 4400, (frame, closed.value.rcvd)
    assert closed.value.rcvd.reason


@pytest.mark.parametrize("frame", TRANSPORT_WS_FRAMES)
async def test_transport_ws_closes_with_4400(graphql, live_server, caplog, frame):
    token = await graphql.admin()
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        assert (await init(socket, {"token": token}))["type"] == "connection_ack"
        await _closed_with_4400(socket, frame)
    async with await open_socket(live_server, TRANSPORT_WS) as socket:  # still serving
        assert (await init(socket, {"token": token}))["type"] == "connection_ack"
        assert (await run(socket, VIEWER))["data"]["viewer"]["role"] == "ADMIN"
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize("frame", LEGACY_WS_FRAMES)
async def test_legacy_graphql_ws_closes_with_4400(graphql, live_server, caplog, frame):
    token = await graphql.admin()
    async with await open_socket(live_server, LEGACY_WS) as socket:
        assert (await init(socket, {"token": token}))["type"] == "connection_ack"
        await _closed_with_4400(socket, frame)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
