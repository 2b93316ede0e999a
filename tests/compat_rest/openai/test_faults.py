"""Failures on the `/openai` routes, in OpenAI's error shape with Open WebUI's `detail`."""

import json

import httpx
import pytest

from tests.conftest import bearer
from tests.support.ai import UPSTREAM_KEY

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def admin(accounts):
    await accounts.admin()
    return bearer(accounts.admin_token)


def is_envelope(body: dict) -> bool:
    error = body.get("error")
    return (isinstance(error, dict) and {"message", "type", "code"} <= error.keys()
            and body["detail"] == error["message"])


async def test_bad_bodies_and_unknown_models(client, admin):
    for body in ({"messages": []}, {"model": "gpt-4o"}, "text"):
        bad = await client.post("/openai/chat/completions", headers=admin, json=body)
        assert bad.status_code == 400 and is_envelope(bad.json()), body
        assert bad.json()["error"]["type"] == "invalid_request_error"
    unknown = await client.post("/openai/v1/chat/completions", headers=admin,
                                json=dict(CHAT, model="nope"))
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
    embed = await client.post("/openai/embeddings", headers=admin, json={"model": "gpt-4o"})
    assert embed.status_code == 400 and is_envelope(embed.json())


async def test_a_refused_upstream_key_is_a_gateway_error_without_the_key(
        client, admin, upstream):
    assert (await client.get("/openai/models", headers=admin)).json()["data"]
    upstream.key = "sk-some-other-key-entirely"  # the catalog still lists gpt-4o
    answer = await client.post("/openai/chat/completions", headers=admin, json=CHAT)
    assert answer.status_code == 502 and is_envelope(answer.json())
    assert "credentials" in answer.json()["error"]["message"]
    assert UPSTREAM_KEY not in answer.text and "sk-wr" not in answer.text


async def test_hanging_upstream_is_a_timeout(client, admin, upstream):
    upstream.script("gpt-4o", hang_before_headers=True)
    answer = await client.post("/openai/chat/completions", headers=admin, json=CHAT)
    assert answer.status_code == 504 and answer.json()["error"]["type"] == "api_error"


@pytest.mark.parametrize("knobs", [{"invalid_after": 2}, {"error_line_after": 2},
                                   {"hang_after": 2}])
async def test_mid_stream_failure_is_an_error_event_then_done(live, admin, upstream, knobs):
    upstream.script("gpt-4o", error_message="internal sk-leakedkey12345", **knobs)
    async with httpx.AsyncClient(base_url=live, headers=admin, timeout=10) as http:
        async with http.stream("POST", "/openai/chat/completions",
                               json=dict(CHAT, stream=True)) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
    events = [line[len(b"data: "):] for line in raw.split(b"\n\n") if line]
    assert events[-1] == b"[DONE]"
    error = json.loads(events[-2])["error"]
    assert "OpenAI connection 0" in error["message"] and "sk-leaked" not in raw.decode()
    contents = [json.loads(e)["choices"][0]["delta"].get("content") for e in events[:-2]]
    assert contents == ["", "tok0 "]  # what came before the failure is kept


async def test_listing_shapes_and_the_connection_route(client, admin, accounts):
    answer = (await client.get("/openai/models", headers=admin)).json()
    assert list(answer) == ["data"]  # Open WebUI's merged list: no `object` key
    merged = answer["data"]
    assert merged[0]["id"] == "gpt-4o" and merged[0]["urlIdx"] == 0
    assert merged[0]["owned_by"] == "openai" and merged[0]["openai"]["id"] == "gpt-4o"
    plain = (await client.get("/openai/v1/models", headers=admin)).json()
    assert plain["object"] == "list"
    assert set(plain["data"][0]) == {"id", "object", "created", "owned_by"}
    raw = await client.get("/openai/models/0", headers=admin)
    assert raw.json()["data"][0]["owned_by"] == "scripted"
    user = await accounts.user("u@example.com")
    refused = await client.get("/openai/models/0", headers=bearer(user["token"]))
    assert refused.status_code == 401 and is_envelope(refused.json())


async def test_config_masks_keys_and_keeps_them_when_sent_back(client, admin, upstream):
    config = (await client.get("/openai/config", headers=admin)).json()
    assert config["OPENAI_API_BASE_URLS"] == [upstream.openai_url]
    assert config["OPENAI_API_KEYS"] != [UPSTREAM_KEY] and UPSTREAM_KEY not in str(config)
    saved = await client.post("/openai/config/update", headers=admin, json=config)
    assert saved.status_code == 200
    works = await client.post("/openai/chat/completions", headers=admin, json=CHAT)
    assert works.status_code == 200, works.text
