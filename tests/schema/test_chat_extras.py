"""updateChatParams and sendMessageEvent: the resolvers behind Open WebUI's PATCH of a
chat's params and its message event route; the event reaches chatEvents followers."""

import asyncio
import contextlib

from gql import GraphQLRequest

from tests.compat_rest.openwebui.test_chats import new_chat, tree
from tests.conftest import bearer
from tests.schema.conftest import error_codes
from tests.schema.test_chat_events import subscribed, subscriber

PARAMS = """
mutation Params($input: UpdateChatParamsInput!) { updateChatParams(input: $input) { params } }"""
SEND = """
mutation Send($input: SendMessageEventInput!) { sendMessageEvent(input: $input) { sent } }"""
EVENTS = """subscription($id: ID!) {
  chatEvents(chatId: $id) { kind chatId messageId type data } }"""


async def follow(base: str, token: str, chat_id: str, into: asyncio.Queue) -> None:
    async with subscriber(base, token) as session:
        request = GraphQLRequest(EVENTS, variable_values={"id": chat_id})
        async for result in session.subscribe(request):
            await into.put(result["chatEvents"])


async def test_params_merge_and_show_on_rest(client, accounts, graphql):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    chat = await new_chat(client, owner, params={"seed": 7})
    done = await graphql.ok(PARAMS, {"input": {"chatId": chat["id"],
                                               "params": {"temperature": 0.3}}}, token=owner)
    assert done["updateChatParams"]["params"] == {"seed": 7, "temperature": 0.3}
    rest = await client.get(f"/api/v1/chats/{chat['id']}", headers=bearer(owner))
    assert rest.json()["chat"]["params"] == {"seed": 7, "temperature": 0.3}
    other = (await accounts.user("other@example.com"))["token"]
    refused = await graphql(PARAMS, {"input": {"chatId": chat["id"], "params": {}}},
                            token=other)
    assert error_codes(refused) == ["NOT_FOUND"]
    bad = await graphql(PARAMS, {"input": {"chatId": chat["id"], "params": [1]}}, token=owner)
    assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_message_events_reach_chat_event_followers(client, accounts, graphql,
                                                         live_server):
    await accounts.admin()
    owner = (await accounts.user("owner@example.com"))["token"]
    chat = await new_chat(client, owner, history=tree(("u", None, "user", "hi")))
    events: asyncio.Queue = asyncio.Queue()
    task = asyncio.create_task(follow(live_server, owner, chat["id"], events))
    try:
        await subscribed(client, owner, chat["id"], events)
        data = {"description": "Searching the web", "done": False}
        sent = await graphql.ok(SEND, {"input": {"chatId": chat["id"], "messageId": "u",
                                                 "type": "status", "data": data}}, token=owner)
        assert sent["sendMessageEvent"]["sent"] is True
        got = await asyncio.wait_for(events.get(), 5)
        assert got == {"kind": "MESSAGE_EVENT", "chatId": chat["id"], "messageId": "u",
                       "type": "status", "data": data}
        rest = await client.post(f"/api/v1/chats/{chat['id']}/messages/u/event",
                                 headers=bearer(owner), json={"type": "notice", "data": {}})
        assert rest.json() is True
        got = await asyncio.wait_for(events.get(), 5)
        assert (got["kind"], got["type"], got["data"]) == ("MESSAGE_EVENT", "notice", {})
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
