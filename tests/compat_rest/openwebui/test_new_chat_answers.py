"""Open WebUI's `POST /api/chat/completions` with `"parent_id": null` and no `chat_id`:
the server opens a new chat holding the request's message and the answer, and says which
chat it is in every answer."""

import json

import httpx
import openai
import pytest
from sqlalchemy import func, select

from data.tables import ChatRow
from tests.conftest import bearer
from tests.support.ai import *  # noqa: F403
from tests.support.chats import assert_in_step
from tests.support.waiting import eventually

NOT_FOUND = "We could not find what you're looking for :/"
ASKED = [{"role": "system", "content": "Be brief."},
         {"role": "user", "content": "Hello"},
         {"role": "assistant", "content": "Hi!"},
         {"role": "user", "content": "Why is the sky blue?"}]


def opening(**fields) -> dict:
    return {"model": "llama3:8b", "messages": ASKED, "parent_id": None, **fields}


async def chat_count(app) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(ChatRow))).scalar_one()


async def listed_ids(client, token) -> list[str]:
    listed = await client.get("/api/v1/chats/", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    return [chat["id"] for chat in listed.json()]


def answer_of(history: dict) -> tuple[dict, dict]:
    """(the question, the answer) of a chat holding one exchange."""
    [root] = [m for m in history["messages"].values() if m["parentId"] is None]
    [answer_id] = root["childrenIds"]
    return root, history["messages"][answer_id]


async def test_the_frontend_gets_the_new_chat_at_once(app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    upstream.script("llama3:8b", chunks=20, delay=0.02)
    reply = await client.post("/api/chat/completions", headers=bearer(token), json=opening(
        stream=True, id="a1", session_id="sid-1",
        user_message={"id": "u1", "role": "user", "content": "Why is the sky blue?",
                      "files": [{"type": "image", "url": "data:,x"}]}))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] is True and set(body) == {"status", "task_ids", "chat_id"}
    chat_id, [task_id] = body["chat_id"], body["task_ids"]
    assert await listed_ids(client, token) == [chat_id]
    running = await client.get(f"/api/tasks/chat/{chat_id}", headers=bearer(token))
    assert running.json() == {"task_ids": [task_id]}

    async def answered() -> bool:
        chat = await client.get(f"/api/v1/chats/{chat_id}", headers=bearer(token))
        return chat.json()["chat"]["history"]["messages"]["a1"]["done"] is True
    await eventually(answered)
    chat = (await client.get(f"/api/v1/chats/{chat_id}", headers=bearer(token))).json()
    assert chat["title"] == "New Chat" and chat["chat"]["models"] == ["llama3:8b"]
    history = await assert_in_step(app, chat_id)
    question, answer = answer_of(history)
    assert question["id"] == "u1" and answer["id"] == "a1" and history["currentId"] == "a1"
    assert question["content"] == "Why is the sky blue?" and question["role"] == "user"
    assert question["files"] == [{"type": "image", "url": "data:,x"}]
    assert answer["content"] == "".join(f"tok{i} " for i in range(20))
    assert answer["meta"]["task_id"] == task_id and answer["model"] == "llama3:8b"
    # The model was sent the whole conversation the client gave, not only the new chat.
    sent = upstream.last("/api/chat").body["messages"]
    assert [m["content"] for m in sent] == [m["content"] for m in ASKED]


async def test_a_script_gets_the_whole_answer_and_the_chat_id(app, accounts, client,
                                                              upstream):
    token = (await accounts.admin())["token"]
    upstream.script("gpt-4o", chunks=5)
    reply = await client.post("/api/v1/chat/completions", headers=bearer(token),
                              json=opening(model="gpt-4o"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    whole = "".join(f"tok{i} " for i in range(5))
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == whole
    chat_id = body["chat_id"]
    assert await listed_ids(client, token) == [chat_id]
    question, answer = answer_of(await assert_in_step(app, chat_id))
    assert question["content"] == "Why is the sky blue?"  # the last user message
    assert answer["done"] is True and answer["content"] == whole
    assert answer["model"] == "gpt-4o" and answer["usage"]["completion_tokens"] == 5


@pytest.mark.parametrize("model", ["llama3:8b", "gpt-4o"])
async def test_a_streaming_script_reads_the_answer_live(app, accounts, client, upstream,
                                                        model):
    token = (await accounts.admin())["token"]
    upstream.script(model, chunks=4)
    reply = await client.post("/api/chat/completions", headers=bearer(token),
                              json=opening(model=model, stream=True, id="a1"))
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/event-stream")
    frames = [line[len("data: "):] for line in reply.text.split("\n\n") if line]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(frame) for frame in frames[:-1]]
    [chat_id] = {chunk["chat_id"] for chunk in chunks}
    assert len({chunk["id"] for chunk in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "tok0 tok1 tok2 tok3 "
    _, answer = answer_of(await assert_in_step(app, chat_id))
    assert answer["id"] == "a1" and answer["done"] is True and answer["content"] == text


async def test_the_openai_client_finds_the_chat_id(accounts, client, live, upstream):
    token = (await accounts.admin())["token"]
    upstream.script("llama3:8b", chunks=3)
    async with openai.AsyncOpenAI(base_url=f"{live}/api", api_key=token, max_retries=0,
                                  timeout=10) as api:
        whole = await api.chat.completions.create(
            model="llama3:8b", messages=ASKED, extra_body={"parent_id": None})
        stream = await api.chat.completions.create(
            model="llama3:8b", messages=ASKED, stream=True, extra_body={"parent_id": None})
        chunks = [chunk async for chunk in stream]
    assert whole.choices[0].message.content == "tok0 tok1 tok2 "
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "tok0 tok1 tok2 "
    chat_ids = {whole.model_extra["chat_id"], *(c.model_extra["chat_id"] for c in chunks)}
    assert len(chat_ids) == 2
    assert set(await listed_ids(client, token)) == chat_ids


async def test_leaving_a_stream_does_not_stop_the_answer(app, accounts, live, upstream):
    token = (await accounts.admin())["token"]
    upstream.script("llama3:8b", chunks=15, delay=0.03)
    async with httpx.AsyncClient(base_url=live, headers=bearer(token), timeout=10) as http:
        async with http.stream("POST", "/api/chat/completions",
                               json=opening(stream=True)) as reply:
            first = await anext(reply.aiter_lines())
    chat_id = json.loads(first[len("data: "):])["chat_id"]

    async def answered() -> bool:
        return answer_of(await assert_in_step(app, chat_id))[1]["done"] is True
    await eventually(answered)
    _, answer = answer_of(await assert_in_step(app, chat_id))
    assert answer["content"] == "".join(f"tok{i} " for i in range(15))
    record = await upstream.stream_ended()
    assert "error" not in answer and record.finished and not record.closed_by_client


async def test_an_upstream_failure_is_reported_and_kept(app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    upstream.script("llama3:8b", chunks=6, close_after=3)
    reply = await client.post("/api/chat/completions", headers=bearer(token), json=opening())
    assert reply.status_code == 502 and isinstance(reply.json()["detail"], str)
    [chat_id] = await listed_ids(client, token)
    _, answer = answer_of(await assert_in_step(app, chat_id))
    assert answer["done"] is True and answer["content"] == "tok0 tok1 tok2 "
    assert answer["error"]["content"] and answer["statusHistory"][-1]["action"] == "failed"


async def test_a_stream_that_fails_at_once_answers_with_the_error(app, accounts, client,
                                                                 upstream):
    token = (await accounts.admin())["token"]
    upstream.script("llama3:8b", status=503)
    reply = await client.post("/api/chat/completions", headers=bearer(token),
                              json=opening(stream=True))
    assert reply.status_code == 503 and isinstance(reply.json()["detail"], str)
    [chat_id] = await listed_ids(client, token)
    _, answer = answer_of(await assert_in_step(app, chat_id))
    assert answer["done"] is True and answer["error"]["content"]


async def test_a_stream_that_fails_part_way_ends_with_an_error_event(app, accounts, client,
                                                                    upstream):
    token = (await accounts.admin())["token"]
    upstream.script("llama3:8b", chunks=6, close_after=3)
    reply = await client.post("/api/chat/completions", headers=bearer(token),
                              json=opening(stream=True))
    assert reply.status_code == 200
    frames = [line[len("data: "):] for line in reply.text.split("\n\n") if line]
    assert frames[-1] == "[DONE]" and "error" in json.loads(frames[-2])
    text = "".join(json.loads(f)["choices"][0]["delta"].get("content", "")
                   for f in frames[:-2])
    assert text == "tok0 tok1 tok2 "
    [chat_id] = await listed_ids(client, token)
    _, answer = answer_of(await assert_in_step(app, chat_id))
    assert answer["content"] == text and answer["error"]["content"]


async def test_refusals_leave_no_chat(app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    una = (await accounts.user("una@example.com"))["token"]
    cases = [
        (token, {"model": "no-such-model"}, 400, "Model not found"),
        (una, {}, 400, "Model not found"),  # a model she may not use
        (token, {"model": None}, 400, None),
        (token, {"messages": "hi"}, 400, None),
        (token, {"messages": [{"role": "system", "content": "no question"}]}, 400, None),
        (token, {"messages": [{"role": "user", "content": "  "}]}, 400, None),
        (token, {"id": 7}, 400, None),
        (token, {"user_message": {"id": ["u1"], "content": "hi"}}, 400, None),
        (token, {"id": "x" * 200}, 400, None),
        (token, {"id": "m1", "user_message": {"id": "m1", "content": "hi"}}, 409, None),
    ]
    for caller, fields, status, body in cases:
        for session in ({}, {"session_id": "sid-1"}):
            reply = await client.post("/api/chat/completions", headers=bearer(caller),
                                      json=opening(**fields, **session))
            assert reply.status_code == status, (fields, reply.text)
            assert body is None or reply.json() == {"detail": body}
            assert isinstance(reply.json()["detail"], str)
    assert await chat_count(app) == 0
    assert not upstream.streams


async def test_without_a_null_parent_id_no_chat_is_opened(app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    for fields in ({}, {"parent_id": "u1"}, {"parent_id": None, "chat_id": "local:abc"}):
        body = {"model": "llama3:8b", "messages": ASKED, "stream": False, **fields}
        reply = await client.post("/api/chat/completions", headers=bearer(token), json=body)
        assert reply.status_code == 200, reply.text
        assert "chat_id" not in reply.json()
    assert await chat_count(app) == 0


async def test_another_user_cannot_see_the_new_chat(app, accounts, client, upstream):
    token = (await accounts.admin())["token"]
    una = (await accounts.user("una@example.com"))["token"]
    reply = await client.post("/api/chat/completions", headers=bearer(token), json=opening())
    chat_id = reply.json()["chat_id"]
    assert await listed_ids(client, una) == []
    # Open WebUI's own route answers 401 for another's chat; ours, 404.
    for path, status in ((f"/api/v1/chats/{chat_id}", 401),
                         (f"/api/chats/{chat_id}/messages", 404)):
        seen = await client.get(path, headers=bearer(una))
        assert seen.status_code == status and "history" not in seen.text, path
    stop = await client.post(f"/api/tasks/chat/{chat_id}/stop", headers=bearer(una))
    assert stop.status_code == 404 and stop.json() == {"detail": NOT_FOUND}
    assert await listed_ids(client, token) == [chat_id]
