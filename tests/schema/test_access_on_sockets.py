"""Open GraphQL WebSockets end with the access they were opened with: signing that token
out, revoking the account's sessions, deactivating or deleting it, changing its password
or deleting its API key close its sockets with 4401 within a second; changing its role
closes them with 4403, so a demoted administrator stops receiving another user's answer.
Other sockets of the same account, whose credentials still work, stay open."""

import asyncio
import contextlib
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed

from asgi import create_app
from tests.compat_rest.openwebui.test_chats import new_chat
from tests.compat_rest.scim.conftest import PATCH_OP
from tests.compat_rest.scim.conftest import TOKEN as SCIM_TOKEN
from tests.conftest import bearer, make_settings
from tests.schema.test_websocket import LEGACY_WS, TRANSPORT_WS, init, open_socket
from tests.support.ai import upstream, upstream_env  # noqa: F401 (a fixture)
from tests.support.databases import PG_DSN
from tests.support.server import serving_in_loop

EVENTS = "subscription($id: ID!) { chatEvents(chatId: $id) { kind messageId } }"
FOLLOW = """subscription($id: ID!) { chatCompletion(taskId: $id) {
  __typename ... on CompletionDelta { content } } }"""
START = """mutation($input: StartCompletionInput!) {
  startCompletion(input: $input) { task { id } } }"""
WITHIN = 1.0  # seconds from the change to the closed socket


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:  # noqa: F811
    return upstream_env(upstream) | {"ENABLE_SCIM": "true", "SCIM_TOKEN": SCIM_TOKEN,
                                     "ENABLE_API_KEYS": "true"}


class Socket:
    """A raw WebSocket on /graphql running one subscription, for exact close codes."""

    def __init__(self, socket, protocol: str):
        self.socket, self.protocol = socket, protocol

    @classmethod
    async def following(cls, base: str, credentials: dict, query: str, variables: dict,
                        protocol: str = TRANSPORT_WS) -> "Socket":
        socket = await open_socket(base, protocol)
        assert (await init(socket, credentials))["type"] == "connection_ack"
        start = "subscribe" if protocol == TRANSPORT_WS else "start"
        await socket.send(json.dumps({"id": "1", "type": start, "payload": {
            "query": query, "variables": variables}}))
        return cls(socket, protocol)

    async def next_data(self, seconds: float = 5) -> dict | None:
        """The next result's data; None when the server completes the operation."""
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), seconds))
            if message["type"] in ("next", "data"):
                assert "errors" not in message["payload"], message
                return message["payload"]["data"]
            if message["type"] == "complete":
                return None
            assert message["type"] == "ka", message  # the legacy protocol's keep-alive

    async def closed(self, since: float) -> tuple[int, str, list[dict]]:
        """(code, reason, what was received first) once the server closes it; fails
        unless that is within WITHIN seconds of `since`."""
        received = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received.append(await self.next_data(WITHIN + 1))
        assert time.monotonic() - since < WITHIN, time.monotonic() - since
        return closed.value.rcvd.code, closed.value.rcvd.reason, received

    async def close(self) -> None:
        await self.socket.close()


async def sign_in(client, email: str, password: str = "user-pass-1") -> str:
    response = await client.post("/api/v1/auths/signin",
                                 json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return response.json()["token"]


async def until_delivering(client, token: str, chat_id: str, socket: Socket) -> None:
    """Post messages to the chat until one's event arrives on the socket."""
    for sent in range(40):
        await client.post(f"/api/chats/{chat_id}/messages", headers=bearer(token),
                          json={"content": "probe", "id": f"probe-{sent}"})
        with contextlib.suppress(TimeoutError):
            assert await socket.next_data(0.25) is not None
            return
    raise AssertionError("the subscription never delivered")


async def test_signing_out_closes_that_tokens_sockets_only(client, accounts, live_server):
    await accounts.admin()
    user = await accounts.user("una@example.com")
    other_tab = await sign_in(client, "una@example.com")
    chat = await new_chat(client, user["token"])
    variables = {"id": chat["id"]}
    first = await Socket.following(live_server, {"token": user["token"]}, EVENTS, variables)
    legacy = await Socket.following(live_server, {"token": user["token"]}, EVENTS, variables,
                                    protocol=LEGACY_WS)
    second = await Socket.following(live_server, {"token": other_tab}, EVENTS, variables)
    try:
        await until_delivering(client, other_tab, chat["id"], second)
        signed_out = await client.post("/api/v1/auths/signout", headers=bearer(user["token"]))
        assert signed_out.status_code == 200
        since = time.monotonic()
        for socket in (first, legacy):
            code, reason, _ = await socket.closed(since)
            assert (code, reason) == (4401, "The session has ended; sign in again.")
        # The other tab's token still works: its socket stays open and delivers.
        await until_delivering(client, other_tab, chat["id"], second)
    finally:
        for socket in (first, legacy, second):
            await socket.close()


async def _revoke_sessions(client, admin, user):
    return await client.post(f"/api/v1/users/{user['id']}/sessions/revoke",
                             headers=bearer(admin))


async def _change_password(client, admin, user):
    return await client.post("/api/v1/auths/update/password", headers=bearer(user["token"]),
                             json={"password": "user-pass-1", "new_password": "new-pass-22"})


async def _deactivate(client, admin, user):
    return await client.patch(
        f"/scim/v2/Users/{user['id']}", json={"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "active", "value": False}]},
        headers={"Authorization": f"Bearer {SCIM_TOKEN}",
                 "Content-Type": "application/scim+json"})


async def _delete(client, admin, user):
    return await client.delete(f"/api/v1/users/{user['id']}", headers=bearer(admin))


@pytest.mark.parametrize("end_access", [_revoke_sessions, _change_password, _deactivate,
                                        _delete])
async def test_ending_the_accounts_sessions_closes_its_sockets(
        client, accounts, live_server, end_access):
    admin = (await accounts.admin())["token"]
    user = await accounts.user("una@example.com")
    chat = await new_chat(client, user["token"])
    socket = await Socket.following(live_server, {"token": user["token"]}, EVENTS,
                                    {"id": chat["id"]})
    bystander = await Socket.following(live_server, {"token": admin}, "subscription { "
                                       'chatEvents(chatId: "none") { kind } }', {})
    try:
        await until_delivering(client, user["token"], chat["id"], socket)
        response = await end_access(client, admin, user)
        assert response.status_code == 200, response.text
        code, _, _ = await socket.closed(time.monotonic())
        assert code == 4401
    finally:
        await socket.close()
        await bystander.close()


async def test_deleting_an_api_key_closes_the_sockets_it_opened(client, accounts,
                                                                live_server):
    admin = (await accounts.admin())["token"]  # administrators may always use API keys
    created = await client.post("/api/v1/auths/api_key", headers=bearer(admin))
    assert created.status_code == 200, created.text
    key = created.json()["api_key"]
    chat = await new_chat(client, admin)
    by_key = await Socket.following(live_server, {"x-api-key": key}, EVENTS,
                                    {"id": chat["id"]})
    by_token = await Socket.following(live_server, {"token": admin}, EVENTS,
                                      {"id": chat["id"]})
    try:
        await until_delivering(client, admin, chat["id"], by_key)
        deleted = await client.delete("/api/v1/auths/api_key", headers=bearer(admin))
        assert deleted.status_code == 200, deleted.text
        code, _, _ = await by_key.closed(time.monotonic())
        assert code == 4401
        await until_delivering(client, admin, chat["id"], by_token)
    finally:
        await by_key.close()
        await by_token.close()


async def test_a_demoted_admin_stops_receiving_another_users_answer(
        client, graphql, accounts, live_server, upstream):  # noqa: F811
    owner = (await accounts.admin())["token"]
    second = await accounts.user("second@example.com", role="admin")
    upstream.script("llama3:8b", chunks=1000, delay=0.02)
    started = await graphql.ok(START, {"input": {"model": "llama3:8b", "prompt": "hi"}},
                               token=owner)
    task = {"id": started["startCompletion"]["task"]["id"]}
    socket = await Socket.following(live_server, {"token": second["token"]}, FOLLOW, task)
    try:
        assert (await socket.next_data())["chatCompletion"]["__typename"] == "CompletionDelta"
        demoted = await client.post(f"/api/v1/users/{second['id']}/update",
                                    headers=bearer(owner), json={"role": "user"})
        assert demoted.status_code == 200, demoted.text
        code, reason, _ = await socket.closed(time.monotonic())
        assert (code, reason) == (4403, "The account's role changed; connect again.")
    finally:
        await socket.close()
    # Connecting again, with the same token, the user may no longer follow it.
    again = await open_socket(live_server, TRANSPORT_WS)
    async with again:
        assert (await init(again, {"token": second["token"]}))["type"] == "connection_ack"
        await again.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": FOLLOW, "variables": task}}))
        refused = json.loads(await asyncio.wait_for(again.recv(), 5))
    assert refused["type"] == "error" or refused["payload"].get("errors"), refused
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("env_overrides", [{"PUBSUB_URL": PG_DSN.replace(
    "postgresql://", "postgres://")}], ids=["postgres-pubsub"])
async def test_a_sign_out_on_one_instance_closes_sockets_on_another(
        client, accounts, tmp_path, database_url, env_overrides):
    await accounts.admin()
    user = await accounts.user("una@example.com")
    chat = await new_chat(client, user["token"])
    other = create_app(make_settings(tmp_path / "b", database_url, **env_overrides))
    async with other.router.lifespan_context(other), serving_in_loop(other) as instance_b:
        socket = await Socket.following(instance_b, {"token": user["token"]}, EVENTS,
                                        {"id": chat["id"]})
        try:
            await until_delivering(client, user["token"], chat["id"], socket)
            signed_out = await client.post("/api/v1/auths/signout",
                                           headers=bearer(user["token"]))
            assert signed_out.status_code == 200
            code, _, _ = await socket.closed(time.monotonic())
            assert code == 4401
        finally:
            await socket.close()


@pytest.mark.parametrize("env_overrides", [{"JWT_EXPIRES_IN": "2s"}], ids=["2s-tokens"])
async def test_a_socket_closes_when_its_token_expires(client, accounts, live_server,
                                                      env_overrides):
    await accounts.admin()
    user = await accounts.user("una@example.com")
    chat = await new_chat(client, user["token"])
    socket = await Socket.following(live_server, {"token": user["token"]}, EVENTS,
                                    {"id": chat["id"]})
    try:
        expires_at = (await client.get("/api/v1/auths/", headers=bearer(user["token"]))
                      ).json()["expires_at"]
        await asyncio.sleep(max(expires_at - time.time(), 0))
        code, reason, _ = await socket.closed(time.monotonic())
        assert (code, reason) == (4401, "The token is invalid or has expired.")
    finally:
        await socket.close()
