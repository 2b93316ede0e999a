"""Ollama's OpenAI-compatible routes under `/ollama/v1`, through the official `openai`
client: models, chat completions and legacy completions (streamed and not) and
embeddings, relayed to the Ollama connection's own `/v1/...` routes with its key."""

import json

import openai
import pytest

from tests.conftest import bearer
from tests.support.ai import UPSTREAM_KEY, upstream_env
from tests.support.upstream import ScriptedUpstream

HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def upstream():
    async with ScriptedUpstream(("llama3:latest", "qwen3:4b"), key=UPSTREAM_KEY) as scripted:
        yield scripted


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return upstream_env(upstream) | {"OLLAMA_API_CONFIGS": json.dumps({"0": {"key": UPSTREAM_KEY}})}


@pytest.fixture
async def client_for(live):
    made = []

    def make(token: str) -> openai.AsyncOpenAI:
        made.append(openai.AsyncOpenAI(base_url=f"{live}/ollama/v1", api_key=token,
                                       max_retries=0, timeout=10))
        return made[-1]

    yield make
    for client in made:
        await client.close()


async def test_models_chat_completions_and_embeddings(accounts, client_for, upstream):
    await accounts.admin()
    client = client_for(accounts.admin_token)
    listed = [m async for m in client.models.list()]
    assert [m.id for m in listed] == ["llama3:latest", "qwen3:4b", "nomic-embed-text:latest"]
    assert {m.owned_by for m in listed} == {"openai"}

    reply = await client.chat.completions.create(model="llama3", messages=HI)
    assert reply.choices[0].message.content == "tok0 tok1 tok2 "
    sent = upstream.last("/v1/chat/completions")
    assert sent.body["model"] == "llama3:latest"
    assert sent.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"

    upstream.script("qwen3:4b", chunks=5)
    stream = await client.chat.completions.create(model="qwen3:4b", messages=HI, stream=True)
    pieces = [c.choices[0].delta.content async for c in stream
              if c.choices and c.choices[0].delta.content]
    assert "".join(pieces) == "tok0 tok1 tok2 tok3 tok4 "

    completed = await client.completions.create(model="llama3", prompt="Once")
    assert completed.choices[0].text == "tok0 tok1 tok2 "
    assert upstream.last("/v1/completions").body == {"model": "llama3:latest",
                                                     "prompt": "Once"}
    streamed = await client.completions.create(model="qwen3:4b", prompt="Once", stream=True)
    assert "".join([c.choices[0].text async for c in streamed]) == "tok0 tok1 tok2 tok3 tok4 "

    embedded = await client.embeddings.create(model="nomic-embed-text", input=["a", "b"])
    assert [d.index for d in embedded.data] == [0, 1] and len(embedded.data[0].embedding) == 4
    assert upstream.last("/v1/embeddings").body["model"] == "nomic-embed-text:latest"


async def test_errors_come_in_openais_shape(accounts, client_for, upstream, client):
    await accounts.admin()
    admin = client_for(accounts.admin_token)
    with pytest.raises(openai.BadRequestError) as unknown:
        await admin.chat.completions.create(model="mistral", messages=HI)
    assert unknown.value.body["code"] == "model_not_found"

    upstream.script("llama3:latest", close_after=2)
    stream = await admin.chat.completions.create(model="llama3", messages=HI, stream=True)
    with pytest.raises(openai.APIError) as broken:
        async for _ in stream:
            pass
    assert "Ollama connection 0" in broken.value.message

    una = client_for((await accounts.user("una@example.com"))["token"])
    with pytest.raises(openai.PermissionDeniedError):
        await una.chat.completions.create(model="llama3", messages=HI)
    assert [m async for m in una.models.list()] == []
    raw = await client.get("/ollama/v1/models/0", headers=bearer(accounts.admin_token))
    assert [m["id"] for m in raw.json()["data"]] == ["llama3:latest", "qwen3:4b",
                                                     "nomic-embed-text:latest"]
    refused = await client.get("/ollama/v1/models/0", headers=bearer(una.api_key))
    assert refused.status_code == 401
    bad = await client.post("/ollama/v1/completions", headers=bearer(accounts.admin_token),
                            json={"model": "llama3"})
    assert bad.status_code == 400 and "prompt" in bad.json()["error"]["message"]


async def test_a_preset_applies_to_the_openai_style_chat(accounts, client_for, upstream,
                                                         client):
    await accounts.admin()
    preset = {"id": "helper", "name": "Helper", "base_model_id": "llama3:latest", "meta": {},
              "params": {"system": "Be kind.", "temperature": 0.2}}
    created = await client.post("/api/v1/models/create", json=preset,
                                headers=bearer(accounts.admin_token))
    assert created.status_code == 200, created.text
    reply = await client_for(accounts.admin_token).chat.completions.create(
        model="helper", messages=HI)
    assert reply.choices[0].message.content == "tok0 tok1 tok2 "
    sent = upstream.last("/v1/chat/completions").body
    assert sent["model"] == "llama3:latest" and sent["temperature"] == 0.2
    assert sent["messages"] == [{"role": "system", "content": "Be kind."}, *HI]
