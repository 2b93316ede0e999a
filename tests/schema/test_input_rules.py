"""GraphQL holds client values to the input rules (resolvers/input_rules.py) as REST
does: a NUL in a variable or a string literal is BAD_USER_INPUT, on HTTP and WebSockets
alike, and JSON nested too deep is refused by the transport, never a recursion error."""

import json

import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import bearer
from tests.schema.test_websocket import TRANSPORT_WS, init, open_socket, receive, send

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def admin(accounts) -> str:
    return (await accounts.admin())["token"]


async def test_nul_characters_in_graphql_are_bad_user_input(client, admin):
    create = "mutation($t: String!) { createChat(input: {title: $t}) { __typename } }"
    cases = [
        ({"query": create, "variables": {"t": "a\x00"}}, admin),
        ({"query": 'mutation { createChat(input: {title: "a\\u0000"}) { __typename } }'},
         admin),
        ({"query": 'query { chat(id: "x\\u0000") { id } }'}, admin),
        ({"query": 'mutation { signIn(input: {email: "a\\u0000@b.c", password: "x"}) '
                   "{ __typename } }"}, None),
    ]
    for body, token in cases:
        response = await client.post("/graphql", content=json.dumps(body),
                                     headers={**JSON, **(bearer(token) if token else {})})
        assert response.status_code == 200, response.text
        errors = response.json()["errors"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
        assert "NUL" in errors[0]["message"]
    listed = await client.get("/api/v1/chats/list", headers=bearer(admin))
    assert listed.json() == []


async def test_deep_json_is_refused_by_the_transport(client):
    response = await client.post("/graphql", content=b"[" * 100_000, headers=JSON)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert "nests deeper" in error["message"] and error["extensions"]["code"] == "BAD_REQUEST"


async def test_over_a_websocket_too(admin, live_server):
    token = admin
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        assert (await init(socket, {"token": token}))["type"] == "connection_ack"
        await send(socket, {"id": "1", "type": "subscribe", "payload": {
            "query": "mutation($t: String!) { createChat(input: {title: $t}) { __typename } }",
            "variables": {"t": "a\x00"}}})
        answer = await receive(socket)
    assert answer["type"] in ("next", "error"), answer
    errors = answer["payload"]["errors"] if answer["type"] == "next" else answer["payload"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors


async def test_a_deep_websocket_frame_closes_with_4400(admin, live_server):
    async with await open_socket(live_server, TRANSPORT_WS) as socket:
        assert (await init(socket, {"token": admin}))["type"] == "connection_ack"
        await socket.send("[" * 100_000)
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)
    assert closed.value.rcvd.code == 4400
