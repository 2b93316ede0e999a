"""Bad input and failing upstreams on the `/ollama` routes: each is a clear error in
Ollama's shape (with Open WebUI's `detail`), the partial answer is kept, and the
upstream request is closed when the client leaves or the task is stopped."""

import asyncio
import json
import time

import httpx
import pytest

from tests.conftest import bearer
from tests.support.server import free_port

CHAT = {"model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def admin(accounts):
    await accounts.admin()
    return bearer(accounts.admin_token)


async def lines_of(live, headers, body, path="/ollama/api/chat"):
    async with httpx.AsyncClient(base_url=live, headers=headers, timeout=10) as http:
        async with http.stream("POST", path, json=body) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
    return response.status_code, [json.loads(line) for line in raw.splitlines() if line]


def is_envelope(body: dict) -> bool:
    return isinstance(body.get("error"), str) and body["detail"] == body["error"]


async def test_unknown_model_and_bad_bodies(client, admin):
    unknown = await client.post("/ollama/api/chat", headers=admin,
                                json=dict(CHAT, model="nope:1b"))
    assert unknown.status_code == 400 and is_envelope(unknown.json())
    assert "nope:1b" in unknown.json()["error"]
    for body in ({"model": "llama3:8b"}, {"messages": []}, [1, 2],
                 {"model": "llama3:8b", "messages": [{"role": "user"}]}):
        bad = await client.post("/ollama/api/chat", headers=admin, json=body)
        assert bad.status_code == 400 and is_envelope(bad.json()), body
    not_json = await client.post("/ollama/api/generate", content=b"{oops",
                                 headers={**admin, "Content-Type": "application/json"})
    assert not_json.status_code == 400 and is_envelope(not_json.json())
    anonymous = await client.post("/ollama/api/chat", json=CHAT)
    assert anonymous.status_code == 401 and is_envelope(anonymous.json())


async def test_upstream_error_is_summarised_never_relayed(client, admin, upstream):
    upstream.script("llama3:8b", status=500,
                    error_message="CUDA error at /srv/models/x.gguf key=sk-abcdef123456")
    answer = await client.post("/ollama/api/chat", headers=admin, json=CHAT)
    assert answer.status_code == 502 and is_envelope(answer.json())
    message = answer.json()["error"]
    assert message.startswith("Ollama connection 0 failed (HTTP 500)")
    assert "sk-abcdef" not in message and upstream.url not in message
    upstream.script("llama3:8b", status=429, error_message="slow down")
    limited = await client.post("/ollama/api/generate", headers=admin,
                                json={"model": "llama3:8b", "prompt": "x"})
    assert limited.status_code == 429 and "slow down" in limited.json()["error"]


async def test_down_and_hanging_upstreams(app, client, admin, upstream, settings):
    upstream.script("llama3:8b", hang_before_headers=True)
    started = time.monotonic()
    hung = await client.post("/ollama/api/chat", headers=admin, json=CHAT)
    assert hung.status_code == 504 and is_envelope(hung.json())
    assert time.monotonic() - started < 3  # UPSTREAM_IDLE_TIMEOUT=1 in these tests
    update = await client.post("/ollama/config/update", headers=admin, json={
        "OLLAMA_BASE_URLS": [f"http://127.0.0.1:{free_port()}"]})
    assert update.status_code == 200, update.text
    down = await client.post("/ollama/api/chat/0", headers=admin, json=CHAT)
    assert down.status_code == 502 and "unreachable" in down.json()["error"]
    listed = await client.get("/ollama/api/tags", headers=admin)
    assert listed.status_code == 200 and listed.json() == {"models": []}


@pytest.mark.parametrize("knobs, kept", [
    ({"close_after": 2}, 2), ({"invalid_after": 2}, 2), ({"error_line_after": 1}, 1),
    ({"hang_after": 2}, 2), ({"no_end_marker": True}, 3)])
async def test_mid_stream_failures_end_with_an_error_line(live, admin, upstream, knobs, kept):
    upstream.script("llama3:8b", chunks=3, error_message="oops sk-leakedkey12345", **knobs)
    status, lines = await lines_of(live, admin, CHAT)
    assert status == 200
    assert [line["message"]["content"] for line in lines[:-1]] == \
        [f"tok{i} " for i in range(kept)]
    assert is_envelope(lines[-1]) and "Ollama connection 0" in lines[-1]["error"]
    assert "sk-leaked" not in json.dumps(lines)


async def test_a_300_kb_chunk_passes_whole(live, admin, upstream):
    upstream.script("llama3:8b", big_chunk=300 * 1024)
    status, lines = await lines_of(live, admin, CHAT)
    assert status == 200 and len(lines[0]["message"]["content"]) == 300 * 1024
    assert lines[-1]["done"] is True


async def test_client_leaving_closes_the_upstream_within_a_second(live, admin, upstream):
    upstream.script("llama3:8b", chunks=1000, delay=0.05)
    async with httpx.AsyncClient(base_url=live, headers=admin) as http:
        async with http.stream("POST", "/ollama/api/chat", json=CHAT) as response:
            async for _ in response.aiter_raw():
                break
        left = time.monotonic()
    async with asyncio.timeout(1):
        record = await upstream.stream_ended()
    assert record.closed_by_client and record.ended_at - left < 1


async def test_client_leaving_before_the_upstream_answers(live, admin, upstream):
    upstream.script("llama3:8b", hang_before_headers=True)
    async with httpx.AsyncClient(base_url=live, headers=admin) as http:
        request = asyncio.ensure_future(http.post("/ollama/api/chat", json=CHAT))
        await upstream.stream_started.wait()
        request.cancel()
        left = time.monotonic()
    async with asyncio.timeout(1):
        record = await upstream.stream_ended()
    assert record.closed_by_client and record.ended_at - left < 1


async def test_switched_off(client, admin):
    await client.post("/ollama/config/update", headers=admin, json={"ENABLE_OLLAMA_API": False})
    for method, path in [("GET", "/ollama/api/tags"), ("POST", "/ollama/api/chat")]:
        answer = await client.request(method, path, headers=admin, json=CHAT)
        assert answer.status_code == 503 and is_envelope(answer.json()), path
    assert (await client.get("/ollama/api/version", headers=admin)).json() == \
        {"version": False}


async def test_url_idx_variants(client, admin, upstream):
    assert (await client.post("/ollama/api/chat/0", headers=admin,
                              json=dict(CHAT, stream=False))).status_code == 200
    missing = await client.post("/ollama/api/chat/3", headers=admin, json=CHAT)
    assert missing.status_code == 404 and is_envelope(missing.json())
    raw = await client.get("/ollama/api/tags/0", headers=admin)
    assert [m["model"] for m in raw.json()["models"]][:1] == ["llama3:8b"]
    assert "urls" not in raw.json()["models"][0]  # the connection's own answer
    assert (await client.get("/ollama/api/version/0", headers=admin)).json() == \
        {"version": upstream.version}
