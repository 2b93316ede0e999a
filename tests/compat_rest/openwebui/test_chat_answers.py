"""Open WebUI's chat-bound `POST /api/chat/completions`: the answer is written into the
chat's message `id`. With `session_id` (the frontend) the route answers at once with the
task ids; without it (scripts) it answers once the answer is complete."""

import pytest

from tests.conftest import bearer
from tests.support.ai import *  # noqa: F403
from tests.support.chats import assert_in_step
from tests.support.waiting import eventually

NOT_FOUND = "We could not find what you're looking for :/"
QUESTION = [{"role": "user", "content": "Why is the sky blue?"}]


async def frontend_chat(client, token) -> str:
    """A chat as Open WebUI's frontend saves it before asking: the question and an empty
    answer still being written."""
    history = {"messages": {
        "u1": {"id": "u1", "parentId": None, "childrenIds": ["a1"], "role": "user",
               "content": "Why is the sky blue?", "timestamp": 1_760_000_000},
        "a1": {"id": "a1", "parentId": "u1", "childrenIds": [], "role": "assistant",
               "content": "", "model": "llama3:8b", "done": False,
               "timestamp": 1_760_000_001}},
        "currentId": "a1"}
    made = await client.post("/api/v1/chats/new", headers=bearer(token),
                             json={"chat": {"title": "Sky", "history": history}})
    assert made.status_code == 200, made.text
    return made.json()["id"]


async def answer_node(client, token, chat_id, message_id) -> dict:
    chat = await client.get(f"/api/v1/chats/{chat_id}", headers=bearer(token))
    return chat.json()["chat"]["history"]["messages"][message_id]


async def test_the_frontend_gets_task_ids_at_once(app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    chat_id = await frontend_chat(client, token)
    upstream.script("llama3:8b", chunks=20, delay=0.02)
    reply = await client.post("/api/chat/completions", headers=bearer(token), json={
        "model": "llama3:8b", "messages": QUESTION, "stream": True, "chat_id": chat_id,
        "id": "a1", "session_id": "sid-1"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] is True and body["chat_id"] == chat_id
    [task_id] = body["task_ids"]
    running = await client.get(f"/api/tasks/chat/{chat_id}", headers=bearer(token))
    assert running.json() == {"task_ids": [task_id]}

    async def answered() -> bool:
        return (await answer_node(client, token, chat_id, "a1"))["done"] is True
    await eventually(answered)
    node = await answer_node(client, token, chat_id, "a1")
    assert node["content"] == "".join(f"tok{i} " for i in range(20))
    assert node["usage"]["completion_tokens"] == 20 and node["meta"]["task_id"] == task_id
    await assert_in_step(app, chat_id)


@pytest.mark.parametrize("stream", [True, False])
async def test_a_script_waits_for_the_whole_answer(app, accounts, client, upstream, stream):
    token = (await accounts.admin())["token"]
    chat_id = await frontend_chat(client, token)
    upstream.script("gpt-4o", chunks=5)
    reply = await client.post("/api/chat/completions", headers=bearer(token), json={
        "model": "gpt-4o", "messages": QUESTION, "stream": stream, "chat_id": chat_id,
        "id": "a1"})
    assert reply.status_code == 200, reply.text
    whole = "".join(f"tok{i} " for i in range(5))
    if stream:
        assert reply.json() is None  # as Open WebUI answers a chat-bound script
    else:
        assert reply.json()["choices"][0]["message"]["content"] == whole
    node = await answer_node(client, token, chat_id, "a1")
    assert node["done"] is True and node["content"] == whole and node["model"] == "gpt-4o"
    await assert_in_step(app, chat_id)


async def test_a_missing_answer_message_is_created_under_the_question(
        app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    chat_id = await frontend_chat(client, token)
    upstream.script("llama3:8b", chunks=2)
    reply = await client.post("/api/chat/completions", headers=bearer(token), json={
        "model": "llama3:8b", "messages": QUESTION, "chat_id": chat_id, "id": "a2",
        "parent_id": "u1"})
    assert reply.status_code == 200, reply.text
    history = await assert_in_step(app, chat_id)
    assert history["messages"]["u1"]["childrenIds"] == ["a1", "a2"]
    assert history["messages"]["a2"]["content"] == "tok0 tok1 "


async def test_upstream_failure_is_kept_and_reported(accounts, client, upstream):
    token = (await accounts.admin())["token"]
    chat_id = await frontend_chat(client, token)
    upstream.script("llama3:8b", chunks=6, close_after=3)
    reply = await client.post("/api/chat/completions", headers=bearer(token), json={
        "model": "llama3:8b", "messages": QUESTION, "chat_id": chat_id, "id": "a1"})
    assert reply.status_code == 502 and isinstance(reply.json()["detail"], str)
    node = await answer_node(client, token, chat_id, "a1")
    assert node["done"] is True and node["content"] == "tok0 tok1 tok2 "
    assert node["error"]["content"] and node["statusHistory"][-1]["action"] == "failed"


async def test_refusals(app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    una = (await accounts.user("una@example.com"))["token"]
    chat_id = await frontend_chat(client, token)
    theirs = await frontend_chat(client, una)
    before = await assert_in_step(app, chat_id)
    cases = [
        ({"chat_id": "no-such-chat", "id": "a1"}, 404, {"detail": NOT_FOUND}),
        ({"chat_id": theirs, "id": "a1"}, 404, {"detail": NOT_FOUND}),
        ({"chat_id": chat_id, "id": "u1"}, 400, None),  # a question, not an answer
        ({"chat_id": chat_id, "id": 7}, 400, None),
        ({"chat_id": chat_id, "id": "a1", "model": "nope"}, 400, None),
        ({"chat_id": chat_id, "id": "a1", "messages": "hi"}, 400, None),
    ]
    for fields, status, body in cases:
        reply = await client.post("/api/chat/completions", headers=bearer(token),
                                  json={"model": "llama3:8b", "messages": QUESTION, **fields})
        assert reply.status_code == status, (fields, reply.text)
        assert body is None or reply.json() == body
    assert await assert_in_step(app, chat_id) == before
    assert not upstream.streams


async def test_stop_closes_answers_a_dead_server_left_unfinished(app, accounts, client):
    """Nothing runs for the chat, yet its answer says it is still being written."""
    token = (await accounts.admin())["token"]
    una = (await accounts.user("una@example.com"))["token"]
    chat_id = await frontend_chat(client, token)
    refused = await client.post(f"/api/tasks/chat/{chat_id}/stop", headers=bearer(una))
    assert refused.status_code == 404 and refused.json() == {"detail": NOT_FOUND}
    assert (await answer_node(client, token, chat_id, "a1"))["done"] is False
    stop = await client.post(f"/api/tasks/chat/{chat_id}/stop", headers=bearer(token))
    assert stop.status_code == 200 and stop.json()["status"] is True
    node = await answer_node(client, token, chat_id, "a1")
    assert node["done"] is True and node["statusHistory"][-1]["action"] == "stopped"
    await assert_in_step(app, chat_id)
