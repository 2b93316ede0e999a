"""With CORS_ALLOW_ORIGIN naming origins, WebSocket handshakes from other pages are
refused (browsers apply no CORS to WebSockets, so the server must check Origin)."""

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.schema.test_websocket import TRANSPORT_WS, VIEWER, init, open_socket, run, ws_url

APP_ORIGIN = "https://app.example.com"


@pytest.fixture
def env_overrides():
    # The second entry is no origin at all: skipped with a warning, not a crash.
    return {"CORS_ALLOW_ORIGIN": f"{APP_ORIGIN};https://typo.example.com/path"}


async def test_foreign_origin_is_refused(live_server):
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws_url(live_server), subprotocols=[TRANSPORT_WS],
                      additional_headers={"Origin": "https://evil.example"})
    assert refused.value.response.status_code == 403


async def test_listed_origin_is_accepted_with_its_cookie(graphql, live_server):
    token = await graphql.admin()
    headers = {"Origin": APP_ORIGIN, "Cookie": f"token={token}"}
    async with await open_socket(live_server, TRANSPORT_WS, headers) as socket:
        assert (await init(socket))["type"] == "connection_ack"
        assert (await run(socket, VIEWER))["data"]["viewer"]["role"] == "ADMIN"


async def test_clients_without_origin_are_not_browsers_and_are_accepted(live_server):
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        assert (await init(socket))["type"] == "connection_ack"
