"""Completions in a chat over GraphQL: `startChatCompletion` saves the user's message and
an empty answer at once, the answer streams to `chatCompletion(taskId:)` followers and is
saved as it goes, and it is kept however it ends: complete, stopped, failed upstream, or
cut short by the server shutting down."""

import asyncio

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from asgi import create_app
from tests.conftest import bearer
from tests.schema.conftest import auth
from tests.schema.test_completion_tasks import follow, ws_url
from tests.support.ai import *  # noqa: F403
from tests.support.chats import assert_in_step, stored
from tests.support.waiting import eventually

START = """mutation Start($input: ChatCompletionInput!) {
  startChatCompletion(input: $input) {
    __typename
    ... on ChatCompletionPayload {
      task { id kind chatId }
      userMessage { id parentId role content }
      assistantMessage { id parentId role status model }
    }
    ... on MutationError { code message }
  } }"""
MESSAGES = """query($id: ID!) { chat(id: $id) { messages(last: 50) {
  nodes { id role content status error usage model } } } }"""
STOP_CHAT = """mutation($c: ID!) { stopChatTasks(input: {chatId: $c}) {
  __typename ... on StopChatTasksPayload { tasks { id } } } }"""
HISTORY = {"messages": {
    "u1": {"id": "u1", "parentId": None, "childrenIds": ["a1"], "role": "user",
           "content": "What is 2+2?", "timestamp": 1_760_000_000},
    "a1": {"id": "a1", "parentId": "u1", "childrenIds": [], "role": "assistant",
           "content": "4", "model": "llama3:8b", "timestamp": 1_760_000_001, "done": True}},
    "currentId": "a1"}


async def new_chat(client, token, history=None, **chat) -> str:
    body = {"chat": {"title": "Sums", "history": history or HISTORY, **chat}}
    made = await client.post("/api/v1/chats/new", headers=bearer(token), json=body)
    assert made.status_code == 200, made.text
    return made.json()["id"]


async def start(graphql, token, chat_id, **fields) -> dict:
    data = await graphql.ok(START, {"input": {"chatId": chat_id, "model": "llama3:8b",
                                              **fields}}, token=token)
    return data["startChatCompletion"]


async def messages(graphql, token, chat_id) -> dict[str, dict]:
    data = await graphql.ok(MESSAGES, {"id": chat_id}, token=token)
    return {m["id"]: m for m in data["chat"]["messages"]["nodes"]}


BY_CHAT = gql("""subscription($chat: ID, $task: ID) {
  chatCompletion(chatId: $chat, taskId: $task) {
    __typename ... on CompletionDelta { content } } }""")


async def follow_chat(base, token, chat_id, *, stop_after, task_id=None) -> list[dict]:
    transport = WebsocketsTransport(url=ws_url(base), subprotocols=["graphql-transport-ws"],
                                    init_payload=auth(token))
    got = []
    async with Client(transport=transport) as session:
        request = GraphQLRequest(BY_CHAT, variable_values={"chat": chat_id, "task": task_id})
        async for event in session.subscribe(request):
            got.append(event["chatCompletion"])
            if len(got) == stop_after:
                break
    return got


async def test_the_answer_is_saved_and_streamed(app, client, graphql, live, upstream):
    token = await graphql.admin()
    chat_id = await new_chat(client, token, system="Answer briefly.")
    upstream.script("llama3:8b", chunks=30, delay=0.01)
    started = await start(graphql, token, chat_id, content="And 3+3?")
    assert started["__typename"] == "ChatCompletionPayload", started
    question, answer = started["userMessage"], started["assistantMessage"]
    assert question["parentId"] == "a1" and question["content"] == "And 3+3?"
    assert answer["parentId"] == question["id"] and answer["status"] == "STREAMING"
    assert started["task"]["chatId"] == chat_id and started["task"]["kind"] == "COMPLETION"

    events = await follow(live, token, started["task"]["id"])
    whole = "".join(f"tok{i} " for i in range(30))
    assert events[-1]["__typename"] == "CompletionDone" and events[-1]["content"] == whole
    saved = (await messages(graphql, token, chat_id))[answer["id"]]
    assert saved["status"] == "DONE" and saved["content"] == whole
    assert saved["usage"]["completion_tokens"] == 30 and saved["model"] == "llama3:8b"
    sent = upstream.last("/api/chat").body["messages"]
    assert sent == [{"role": "system", "content": "Answer briefly."},
                    {"role": "user", "content": "What is 2+2?"},
                    {"role": "assistant", "content": "4"},
                    {"role": "user", "content": "And 3+3?"}]
    history = await assert_in_step(app, chat_id)
    node = history["messages"][answer["id"]]
    assert node["done"] is True and node["meta"]["task_id"] == started["task"]["id"]
    assert node["output"][-1]["content"][0]["text"] == whole
    assert history["currentId"] == answer["id"]


async def test_a_reload_finds_the_answer_so_far_and_leaving_does_not_stop_it(
        app, client, graphql, live, upstream):
    token = await graphql.admin()
    chat_id = await new_chat(client, token)
    upstream.script("llama3:8b", chunks=60, delay=0.04)
    started = await start(graphql, token, chat_id, content="Count.")
    answer_id, task_id = started["assistantMessage"]["id"], started["task"]["id"]
    early = await follow_chat(live, token, chat_id, stop_after=2)  # a tab that closes early
    assert [e["__typename"] for e in early] == ["CompletionDelta"] * 2

    async def checkpointed() -> bool:
        _, rows = await stored(app, chat_id)
        return bool(rows[answer_id].content)
    await eventually(checkpointed)
    _, rows = await stored(app, chat_id)
    assert rows[answer_id].done is False and rows[answer_id].content.startswith("tok0 ")
    running = await client.get(f"/api/tasks/chat/{chat_id}", headers=bearer(token))
    assert running.json() == {"task_ids": [task_id]}

    async with asyncio.timeout(5):
        record = await upstream.stream_ended()
    assert record.finished and not record.closed_by_client

    async def done() -> bool:
        return (await messages(graphql, token, chat_id))[answer_id]["status"] == "DONE"
    await eventually(done)

    async def ended() -> bool:  # the task leaves the list just after its last write
        running = await client.get(f"/api/tasks/chat/{chat_id}", headers=bearer(token))
        return running.json() == {"task_ids": []}
    await eventually(ended)


async def test_a_stop_keeps_the_partial_answer(app, client, graphql, live, upstream):
    token = await graphql.admin()
    chat_id = await new_chat(client, token)
    upstream.script("llama3:8b", chunks=1000, delay=0.01)
    started = await start(graphql, token, chat_id, content="Talk.")
    answer_id, task_id = started["assistantMessage"]["id"], started["task"]["id"]
    following = asyncio.ensure_future(follow(live, token, task_id))
    await upstream.pieces_sent(3)
    listed = await graphql.ok("query($c: ID!) { tasks(chatId: $c) { id } }", {"c": chat_id},
                              token=token)
    assert listed["tasks"] == [{"id": task_id}]
    stop = await graphql.ok(STOP_CHAT, {"c": chat_id}, token=token)
    assert stop["stopChatTasks"]["tasks"] == [{"id": task_id}]
    events = await following
    assert events[-1]["__typename"] == "CompletionFailed" and events[-1]["code"] == "STOPPED"
    partial = events[-1]["partialContent"]
    assert partial.startswith("tok0 ")
    async with asyncio.timeout(1):
        assert (await upstream.stream_ended()).closed_by_client
    saved = (await messages(graphql, token, chat_id))[answer_id]
    assert saved["status"] == "STOPPED" and saved["content"] == partial
    assert saved["error"] is None
    history = await assert_in_step(app, chat_id)
    node = history["messages"][answer_id]
    assert node["done"] is True and node["statusHistory"][-1]["action"] == "stopped"
    assert node["output"][-1]["status"] == "incomplete"


async def test_an_upstream_failure_keeps_the_partial_answer_with_an_error(
        client, graphql, live, upstream):
    token = await graphql.admin()
    chat_id = await new_chat(client, token)
    upstream.script("llama3:8b", chunks=10, close_after=4)
    started = await start(graphql, token, chat_id, content="Go.")
    events = await follow(live, token, started["task"]["id"])
    assert events[-1]["__typename"] == "CompletionFailed"
    assert events[-1]["messageId"] == started["assistantMessage"]["id"]
    saved = (await messages(graphql, token, chat_id))[started["assistantMessage"]["id"]]
    assert saved["status"] == "FAILED" and saved["content"] == "tok0 tok1 tok2 tok3 "
    assert saved["error"]["content"] and "upstream" in saved["error"]["reason"]


async def test_the_server_shutting_down_keeps_the_partial_answer(
        settings, client, graphql, upstream):
    """A second app on the same database starts the answer and shuts down mid-stream."""
    token = await graphql.admin()
    chat_id = await new_chat(client, token)
    upstream.script("llama3:8b", chunks=1000, delay=0.01)
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other),
                                     base_url="http://other.test") as second:
            reply = await second.post("/graphql", headers=bearer(token), json={
                "query": START, "variables": {"input": {
                    "chatId": chat_id, "model": "llama3:8b", "content": "Long one."}}})
        answer_id = reply.json()["data"]["startChatCompletion"]["assistantMessage"]["id"]
        await upstream.pieces_sent(3)
    saved = (await messages(graphql, token, chat_id))[answer_id]
    assert saved["status"] == "INTERRUPTED" and saved["content"].startswith("tok0 ")
    assert saved["error"]["reason"] == "shutdown"


async def test_answering_again_adds_a_sibling(app, client, graphql, live, upstream):
    token = await graphql.admin()
    chat_id = await new_chat(client, token)
    upstream.script("llama3:8b", chunks=3)
    started = await start(graphql, token, chat_id, parentId="u1")
    assert started["userMessage"] is None
    assert started["assistantMessage"]["parentId"] == "u1"
    await follow(live, token, started["task"]["id"])
    assert upstream.last("/api/chat").body["messages"] == [
        {"role": "user", "content": "What is 2+2?"}]
    history = await assert_in_step(app, chat_id)
    assert history["messages"]["u1"]["childrenIds"] == ["a1", started["assistantMessage"]["id"]]


@pytest.mark.parametrize("fields, expected", [
    ({"model": "no-such-model", "content": "hi"}, "ModelUnavailable"),
    ({"content": "   "}, "InvalidChatInput"),
    ({"content": "hi", "parentId": "missing"}, "InvalidChatInput"),
    ({"parentId": "a1"}, "InvalidChatInput"),  # an answer is not a question
    ({"parentId": "missing"}, "MessageNotFound"),
])
async def test_refusals_write_nothing(app, client, graphql, upstream, fields, expected):
    token = await graphql.admin()
    chat_id = await new_chat(client, token)
    before = await stored(app, chat_id)
    started = await start(graphql, token, chat_id, **fields)
    assert started["__typename"] == expected, started
    assert await stored(app, chat_id) == before
    assert not upstream.streams


async def test_only_the_owner_starts_an_answer_in_a_chat(app, client, graphql, upstream):
    admin = await graphql.admin()
    una = (await graphql.add_user(admin, "una@example.com"))["token"]
    chat_id = await new_chat(client, una)
    before = await stored(app, chat_id)
    refused = await start(graphql, admin, chat_id, content="Let me in.")
    assert refused["__typename"] == "ChatNotFound"
    admins_chat = await new_chat(client, admin)
    stop = await graphql.ok(STOP_CHAT, {"c": admins_chat}, token=una)
    assert stop["stopChatTasks"]["__typename"] == "ChatNotFound"
    assert await stored(app, chat_id) == before and not upstream.streams


async def test_following_a_chat_needs_one_running_answer(client, graphql, live):
    token = await graphql.admin()
    chat_id = await new_chat(client, token)
    with pytest.raises(TransportQueryError) as idle:
        await follow_chat(live, token, chat_id, stop_after=1)
    assert idle.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
    with pytest.raises(TransportQueryError) as both:
        await follow_chat(live, token, chat_id, stop_after=1, task_id="t")
    assert both.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


NEW_CHAT = """mutation Start($input: ChatCompletionInput!) {
  startChatCompletion(input: $input) {
    __typename
    ... on ChatCompletionPayload {
      task { id chatId } chat { id title }
      userMessage { id parentId content } assistantMessage { id parentId } }
    ... on InvalidChatInput { field }
    ... on MutationError { code message } } }"""
CHAT_IDS = "{ chats(first: 10) { nodes { id } } }"


async def test_without_a_chat_id_a_new_chat_is_started(app, graphql, live, upstream):
    token = await graphql.admin()
    upstream.script("llama3:8b", chunks=5)
    data = await graphql.ok(NEW_CHAT, {"input": {"model": "llama3:8b", "content": "Hello?"}},
                            token=token)
    started = data["startChatCompletion"]
    assert started["__typename"] == "ChatCompletionPayload", started
    chat_id = started["chat"]["id"]
    assert started["task"]["chatId"] == chat_id and started["chat"]["title"] == "New Chat"
    question, answer = started["userMessage"], started["assistantMessage"]
    assert question["parentId"] is None and question["content"] == "Hello?"
    assert answer["parentId"] == question["id"]
    events = await follow(live, token, started["task"]["id"])
    assert events[-1]["__typename"] == "CompletionDone"
    saved = (await messages(graphql, token, chat_id))[answer["id"]]
    assert saved["status"] == "DONE" and saved["content"] == "tok0 tok1 tok2 tok3 tok4 "
    assert upstream.last("/api/chat").body["messages"] == [
        {"role": "user", "content": "Hello?"}]


@pytest.mark.parametrize("fields, typename", [
    ({}, "InvalidChatInput"),  # no content
    ({"content": "  "}, "InvalidChatInput"),
    ({"content": "Hi", "parentId": "u1"}, "InvalidChatInput"),
    ({"content": "Hi", "model": "no-such-model"}, "ModelUnavailable")])
async def test_a_refused_new_chat_writes_nothing(graphql, upstream, fields, typename):
    token = await graphql.admin()
    data = await graphql.ok(NEW_CHAT, {"input": {"model": "llama3:8b", **fields}},
                            token=token)
    assert data["startChatCompletion"]["__typename"] == typename, data
    assert (await graphql.ok(CHAT_IDS, token=token))["chats"]["nodes"] == []
    assert not upstream.streams
