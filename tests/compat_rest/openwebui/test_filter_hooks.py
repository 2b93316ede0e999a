"""Filters' `stream` and `outlet` hooks around answers kept in chats (SQLite and
PostgreSQL): `stream` sees each piece as an OpenAI chunk and what it returns is what
streams (nothing: the piece is dropped); `outlet` sees the conversation with the whole
answer and its edit is what the chat keeps. An upstream model's answer and a pipe's alike;
a failing `stream` fails the answer as an upstream does, a failing `outlet` leaves the
answer unedited."""

from __future__ import annotations

import pytest

from tests.compat_rest.openwebui.test_chat_answers import answer_node, frontend_chat
from tests.support.ai import upstream, upstream_env  # noqa: F401 (fixture)
from tests.support.chats import assert_in_step
from tests.support.functions import LIMITS, create, people, source  # noqa: F401
from tests.support.waiting import eventually

QUESTION = [{"role": "user", "content": "why sky blue"}]

HOOKS = '''
class Filter:
    def stream(self, event):
        delta = event["choices"][0]["delta"]
        if delta.get("content") == ">sky ":
            return None
        delta["content"] = delta.get("content", "").upper()
        return event

    def outlet(self, body):
        answer = body["messages"][-1]
        assert answer["id"] == body["id"] and answer["role"] == "assistant"
        answer["content"] += f"[{len(body['messages'])} seen]"
        return body
'''

BROKEN_STREAM = '''
class Filter:
    def stream(self, event):
        raise ValueError("no streams today")
'''

BROKEN_OUTLET = '''
class Filter:
    def outlet(self, body):
        return "not a body"
'''


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:  # noqa: F811
    return upstream_env(upstream) | LIMITS


async def _global(client, admin, function_id, content):
    await create(client, admin, function_id, content)
    toggled = await client.post(f"/api/v1/functions/id/{function_id}/toggle/global",
                                headers=admin)
    assert toggled.json()["is_global"] is True


def _token(headers) -> str:
    return headers["Authorization"].split()[1]


async def test_stream_and_outlet_shape_a_pipe_answer_in_a_chat(app, client, people):  # noqa: F811
    admin = people["admin"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    await _global(client, admin, "hooks", HOOKS)
    chat_id = await frontend_chat(client, _token(admin))
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "chat_id": chat_id, "id": "a1"})
    assert reply.status_code == 200, reply.text
    kept = ">WHY >BLUE [2 seen]"  # `sky` dropped by stream; outlet saw question + answer
    assert reply.json()["choices"][0]["message"]["content"] == kept
    node = await answer_node(client, _token(admin), chat_id, "a1")
    assert node["done"] is True and node["content"] == kept
    await assert_in_step(app, chat_id)


async def test_stream_and_outlet_shape_an_upstream_answer_in_a_chat(
        app, client, people, upstream):  # noqa: F811
    admin = people["admin"]
    await _global(client, admin, "hooks", HOOKS)
    upstream.script("llama3:8b", chunks=3)
    chat_id = await frontend_chat(client, _token(admin))
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "llama3:8b", "messages": QUESTION, "chat_id": chat_id, "id": "a1",
        "session_id": "sid-1"})
    assert reply.status_code == 200, reply.text

    async def answered() -> bool:
        return (await answer_node(client, _token(admin), chat_id, "a1"))["done"] is True
    await eventually(answered)
    node = await answer_node(client, _token(admin), chat_id, "a1")
    assert node["content"] == "TOK0 TOK1 TOK2 [2 seen]"
    assert node["usage"]["completion_tokens"] == 3  # the upstream's, through the filter
    await assert_in_step(app, chat_id)


async def test_a_failing_stream_hook_fails_the_answer(app, client, people):  # noqa: F811
    admin = people["admin"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    await _global(client, admin, "broken", BROKEN_STREAM)
    chat_id = await frontend_chat(client, _token(admin))
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "chat_id": chat_id, "id": "a1"})
    assert reply.status_code == 502 and "no streams today" in reply.json()["detail"]
    node = await answer_node(client, _token(admin), chat_id, "a1")
    assert node["done"] is True and node["statusHistory"][-1]["action"] == "failed"
    await assert_in_step(app, chat_id)


async def test_a_failing_outlet_keeps_the_answer_unedited(app, client, people):  # noqa: F811
    admin = people["admin"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    await _global(client, admin, "broken", BROKEN_OUTLET)
    chat_id = await frontend_chat(client, _token(admin))
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "chat_id": chat_id, "id": "a1"})
    assert reply.status_code == 200, reply.text
    node = await answer_node(client, _token(admin), chat_id, "a1")
    assert node["done"] is True and node["content"] == ">why >sky >blue "
    assert not node.get("error")
    await assert_in_step(app, chat_id)


async def test_stream_shapes_a_pipe_streamed_without_a_chat(client, people):  # noqa: F811
    admin = people["admin"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    await _global(client, admin, "hooks", HOOKS)
    streamed = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "stream": True})
    assert streamed.status_code == 200, streamed.text
    contents = [line for line in streamed.text.splitlines() if '"content"' in line]
    assert [c.split('"content": "')[1].split('"')[0] for c in contents] == [">WHY ", ">BLUE "]
    assert streamed.text.rstrip().endswith("data: [DONE]")
    await _global(client, admin, "broken", BROKEN_STREAM)
    failed = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "stream": True})
    assert '"error"' in failed.text and "no streams today" in failed.text
    assert '"content"' not in failed.text  # failed at the first chunk, as an upstream fails
