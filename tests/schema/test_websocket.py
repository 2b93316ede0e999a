"""/graphql over WebSockets on a real uvicorn server: connection_init authentication for
graphql-transport-ws and the legacy graphql-ws, and operations over the socket."""

import asyncio
import json

import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TRANSPORT_WS, LEGACY_WS = "graphql-transport-ws", "graphql-ws"
VIEWER = "{ viewer { id email role } }"


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


async def open_socket(base: str, protocol: str, headers: dict | None = None
                      ) -> ClientConnection:
    socket = await connect(ws_url(base), subprotocols=[protocol],
                           additional_headers=headers or {})
    assert socket.subprotocol == protocol
    return socket


async def send(socket: ClientConnection, message: dict) -> None:
    await socket.send(json.dumps(message))


async def receive(socket: ClientConnection) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout=5))


async def init(socket: ClientConnection, payload: dict | None = None) -> dict:
    await send(socket, {"type": "connection_init", "payload": payload or {}})
    return await receive(socket)


async def run(socket: ClientConnection, query: str, op_id: str = "1") -> dict:
    """A query or mutation over graphql-transport-ws: `next` then `complete`."""
    await send(socket, {"id": op_id, "type": "subscribe", "payload": {"query": query}})
    result = await receive(socket)
    assert result["type"] == "next" and result["id"] == op_id, result
    assert await receive(socket) == {"id": op_id, "type": "complete"}
    return result["payload"]


async def test_gql_client_runs_a_query_with_a_token(graphql, live_server):
    token = await graphql.admin()
    transport = WebsocketsTransport(url=ws_url(live_server), subprotocols=[TRANSPORT_WS],
                                    init_payload={"Authorization": f"Bearer {token}"})
    async with Client(transport=transport) as session:
        result = await session.execute(gql(VIEWER))
    assert result["viewer"] == {"id": result["viewer"]["id"], "email": "admin@example.com",
                                "role": "ADMIN"}


async def test_gql_client_sees_coded_errors(live_server):
    transport = WebsocketsTransport(url=ws_url(live_server), subprotocols=[TRANSPORT_WS])
    async with Client(transport=transport) as session:
        assert await session.execute(gql(VIEWER)) == {"viewer": None}
        with pytest.raises(TransportQueryError) as caught:
            await session.execute(gql("{ users { totalCount } }"))
    assert caught.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("payload", [
    lambda t: {"Authorization": f"Bearer {t}"}, lambda t: {"authorization": f"Bearer {t}"},
    lambda t: {"token": t}])
async def test_transport_ws_accepts_each_credential_key(graphql, live_server, payload):
    token = await graphql.admin()
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        assert (await init(socket, payload(token)))["type"] == "connection_ack"
        data = (await run(socket, VIEWER))["data"]
    assert data["viewer"]["email"] == "admin@example.com"


async def test_transport_ws_refuses_a_bad_token_with_4403(live_server):
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        await send(socket, {"type": "connection_init",
                            "payload": {"Authorization": "Bearer not-a-token"}})
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)
    assert closed.value.rcvd.code == 4403 and closed.value.rcvd.reason == "Forbidden"


async def test_transport_ws_runs_mutations_and_closes_when_signed_out(client, graphql,
                                                                      live_server):
    token = await graphql.admin()
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        assert (await init(socket, {"token": token}))["type"] == "connection_ack"
        renamed = await run(socket, 'mutation { updateProfile(input: {name: "Via WS", '
                                    'profileImageUrl: "/user.png"}) { user { name } } }')
        assert renamed["data"]["updateProfile"]["user"]["name"] == "Via WS"
        # Signed out elsewhere: the open connection ends (test_access_on_sockets.py); an
        # operation that arrives before it does is refused.
        await graphql.ok("mutation { signOut { signedOut } }", token=token)
        with pytest.raises(ConnectionClosed) as closed:
            await send(socket, {"id": "2", "type": "subscribe", "payload": {"query": VIEWER}})
            while True:
                message = await receive(socket)
                if message["type"] == "next":
                    [error] = message["payload"]["errors"]
                    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert closed.value.rcvd.code == 4401


async def test_transport_ws_needs_connection_init_first(live_server):
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        await send(socket, {"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)
    assert closed.value.rcvd.code == 4401


async def test_legacy_graphql_ws_acks_a_good_token(graphql, live_server):
    token = await graphql.admin()
    async with await open_socket(live_server, LEGACY_WS) as socket:
        assert await init(socket, {"Authorization": f"Bearer {token}"}) == \
            {"type": "connection_ack"}


async def test_legacy_graphql_ws_sends_connection_error_for_a_bad_token(live_server):
    async with await open_socket(live_server, LEGACY_WS) as socket:
        answer = await init(socket, {"token": "not-a-token"})
        assert answer["type"] == "connection_error"
        assert answer["payload"]["extensions"]["code"] == "UNAUTHENTICATED"
        with pytest.raises(ConnectionClosed):
            await receive(socket)


async def test_legacy_graphql_ws_says_queries_go_elsewhere(graphql, live_server, caplog):
    token = await graphql.admin()
    async with await open_socket(live_server, LEGACY_WS) as socket:
        assert (await init(socket, {"token": token}))["type"] == "connection_ack"
        await send(socket, {"id": "1", "type": "start", "payload": {"query": VIEWER}})
        refused = await receive(socket)
    assert refused["type"] == "error" and refused["id"] == "1", refused
    assert refused["payload"]["extensions"]["code"] == "BAD_REQUEST"
    assert "graphql-transport-ws" in refused["payload"]["message"]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_handshake_header_is_used_when_init_has_no_credentials(graphql, live_server):
    token = await graphql.admin()
    headers = {"Authorization": f"Bearer {token}"}
    async with await open_socket(live_server, TRANSPORT_WS, headers) as socket:
        assert (await init(socket))["type"] == "connection_ack"
        assert (await run(socket, VIEWER))["data"]["viewer"]["role"] == "ADMIN"


async def test_token_in_the_url_is_ignored(graphql, live_server):
    token = await graphql.admin()
    socket = await connect(ws_url(live_server) + f"?token={token}",
                           subprotocols=[TRANSPORT_WS])
    async with socket:
        assert (await init(socket))["type"] == "connection_ack"
        assert (await run(socket, VIEWER))["data"] == {"viewer": None}


async def test_any_origin_is_accepted_with_star_but_not_its_cookie(graphql, live_server):
    """CORS_ALLOW_ORIGIN defaults to "*": pages anywhere may connect and send a token
    in connection_init, but a foreign page does not get to use the user's cookie."""
    token = await graphql.admin()
    foreign = {"Origin": "https://elsewhere.example", "Cookie": f"token={token}"}
    async with await open_socket(live_server, TRANSPORT_WS, foreign) as socket:
        assert (await init(socket))["type"] == "connection_ack"
        assert (await run(socket, VIEWER))["data"] == {"viewer": None}
    same = {"Origin": live_server, "Cookie": f"token={token}"}
    async with await open_socket(live_server, TRANSPORT_WS, same) as socket:
        assert (await init(socket))["type"] == "connection_ack"
        assert (await run(socket, VIEWER))["data"]["viewer"]["role"] == "ADMIN"
