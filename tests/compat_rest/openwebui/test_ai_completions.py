"""Open WebUI's unified routes for API clients, through the official `openai` client at
`/api`: Ollama models answered in OpenAI's format, OpenAI models relayed; embeddings from
both; and the task routes, which list and stop what is running."""

import asyncio
import json
import time

import httpx
import openai
import pytest

from tests.conftest import bearer
from tests.support.ai import *  # noqa: F403

CHAT = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def admin_client(accounts, live):
    await accounts.admin()
    client = openai.AsyncOpenAI(base_url=f"{live}/api", api_key=accounts.admin_token,
                                max_retries=0, timeout=10)
    yield client
    await client.close()


@pytest.mark.parametrize("model", ["llama3:8b", "gpt-4o"])
async def test_chat_streamed_and_not_for_both_kinds(admin_client, upstream, model):
    upstream.script(model, chunks=5, reasoning=True)
    reply = await admin_client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "".join(f"tok{i} " for i in range(5))
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens == 7 and reply.usage.completion_tokens == 5

    stream = await admin_client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hi"}], stream=True,
        stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "".join(f"tok{i} " for i in range(5))
    assert [c.choices[0].finish_reason for c in chunks if c.choices and
            c.choices[0].finish_reason] == ["stop"]
    assert [c.usage.total_tokens for c in chunks if c.usage] == [12]


async def test_ollama_answers_become_openai_chunks(accounts, live, upstream):
    """One id on every chunk; the role first; reasoning as reasoning_content; a tool call
    with JSON arguments; the finish reason `tool_calls`; then [DONE]."""
    await accounts.admin()
    upstream.script("llama3:8b", chunks=2, reasoning=True, tool_call=True)
    async with httpx.AsyncClient(base_url=live, headers=bearer(accounts.admin_token)) as http:
        answer = await http.post("/api/chat/completions", json=dict(
            CHAT, model="llama3:8b", stream=True, max_tokens=50, temperature=0.2,
            messages=[{"role": "system", "content": "short"},
                      {"role": "user", "content": [
                          {"type": "text", "text": "what is this?"},
                          {"type": "image_url", "image_url": {"url": "data:image/png;base64,QUJD"}}
                      ]}]))
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = [e[len("data: "):] for e in answer.text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[0]["choices"][0]["delta"]["reasoning_content"] == "hmm "
    final = chunks[-1]["choices"][0]
    assert final["finish_reason"] == "tool_calls"
    call = final["delta"]["tool_calls"][0]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert chunks[-1]["usage"]["completion_tokens"] == 2
    sent = upstream.last("/api/chat").body
    assert sent["options"] == {"num_predict": 50, "temperature": 0.2}
    assert sent["messages"][1] == {"role": "user", "content": "what is this?",
                                   "images": ["QUJD"]}


async def test_the_openai_client_lists_models_at_api(admin_client):
    listed = [m.id async for m in admin_client.models.list()]
    assert listed == ["gpt-4o", "gpt-4o-mini", "llama3:8b", "qwen3:4b",
                      "nomic-embed-text:latest"]


async def test_embeddings_from_both_kinds(admin_client):
    for model in ("nomic-embed-text:latest", "gpt-4o"):
        answer = await admin_client.embeddings.create(model=model, input=["a", "b", "c"])
        assert [d.index for d in answer.data] == [0, 1, 2], model
        assert len(answer.data[0].embedding) == 4 and answer.usage.prompt_tokens == 9


async def test_errors_before_and_during_the_answer(accounts, client, live, upstream):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    unknown = await client.post("/api/chat/completions", headers=admin,
                                json=dict(CHAT, model="nope"))
    assert unknown.status_code == 400 and unknown.json() == {"detail": "Model not found"}
    bad = await client.post("/api/chat/completions", content=b"[1]",
                            headers={**admin, "Content-Type": "application/json"})
    assert bad.status_code == 422
    no_messages = await client.post("/api/chat/completions", headers=admin,
                                    json={"model": "llama3:8b"})
    assert no_messages.status_code == 400
    bound = await client.post("/api/chat/completions", headers=admin,
                              json=dict(CHAT, model="llama3:8b", chat_id="c1"))
    assert bound.status_code == 404  # no such chat (answers in chats: test_chat_answers.py)
    upstream.script("llama3:8b", status=500, error_message="gpu on fire")
    failed = await client.post("/api/chat/completions", headers=admin,
                               json=dict(CHAT, model="llama3:8b"))
    assert failed.status_code == 502 and "gpu on fire" in failed.json()["detail"]
    upstream.script("llama3:8b", chunks=4, invalid_after=2)
    async with httpx.AsyncClient(base_url=live, headers=admin) as http:
        answer = await http.post("/api/chat/completions",
                                 json=dict(CHAT, model="llama3:8b", stream=True))
    events = [e[len("data: "):] for e in answer.text.split("\n\n") if e]
    assert events[-1] == "[DONE]" and "not valid JSON" in events[-2]
    assert "".join(json.loads(e)["choices"][0]["delta"].get("content", "")
                   for e in events[:-2]) == "tok0 tok1 "


@pytest.mark.parametrize("path, model", [("/ollama/api/chat", "llama3:8b"),
                                         ("/api/chat/completions", "llama3:8b"),
                                         ("/openai/chat/completions", "gpt-4o")])
async def test_a_running_request_is_a_task_that_can_be_stopped(accounts, client, live,
                                                               upstream, path, model):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = await accounts.user("una@example.com")
    upstream.script(model, chunks=1000, delay=0.05)
    async with httpx.AsyncClient(base_url=live, headers=admin, timeout=10) as http:
        async with http.stream("POST", path, json=dict(CHAT, model=model, stream=True)) as r:
            chunks = r.aiter_raw()
            await anext(chunks)
            listed = (await client.get("/api/tasks", headers=admin)).json()
            [task_id] = listed["tasks"]
            assert listed["items"][0]["model"] == model and listed["items"][0]["route"] == path
            theirs = await client.get("/api/tasks", headers=bearer(user["token"]))
            assert theirs.json()["tasks"] == []
            hidden = await client.get(f"/api/tasks/{task_id}", headers=bearer(user["token"]))
            assert hidden.status_code == 404
            stop = await client.post(f"/api/tasks/{task_id}/stop", headers=admin)
            assert stop.json()["status"] is True
            stopped_at = time.monotonic()
            rest = b"".join([chunk async for chunk in chunks])
    async with asyncio.timeout(1):
        record = await upstream.stream_ended()
    assert record.closed_by_client and record.ended_at - stopped_at < 1
    assert b"stopped" in rest
    assert (await client.get("/api/tasks", headers=admin)).json()["tasks"] == []
    again = await client.post(f"/api/tasks/stop/{task_id}", headers=admin)
    assert again.json()["status"] is False
