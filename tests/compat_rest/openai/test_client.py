"""The official `openai` client pointed at Parley: at `/openai` (Open WebUI's paths) and
at `/openai/v1` (OpenAI's), listing models, chat streamed and not, and embeddings."""

import openai
import pytest

from tests.support.ai import UPSTREAM_KEY


@pytest.fixture
async def client_for(live):
    made = []

    def make(token: str, base: str = "/openai") -> openai.AsyncOpenAI:
        made.append(openai.AsyncOpenAI(base_url=live + base, api_key=token, max_retries=0,
                                       timeout=10))
        return made[-1]

    yield make
    for client in made:
        await client.close()


@pytest.mark.parametrize("base", ["/openai", "/openai/v1"])
async def test_models_chat_and_embeddings(accounts, client_for, upstream, base):
    await accounts.admin()
    client = client_for(accounts.admin_token, base)
    listed = [m.id async for m in client.models.list()]
    assert listed == ["gpt-4o", "gpt-4o-mini"]

    reply = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "tok0 tok1 tok2 "
    assert reply.usage.total_tokens == 10

    upstream.script("gpt-4o-mini", chunks=6)
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True,
        stream_options={"include_usage": True})
    pieces, usage = [], None
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    assert "".join(pieces) == "".join(f"tok{i} " for i in range(6))
    assert usage.completion_tokens == 6

    embedded = await client.embeddings.create(model="gpt-4o", input=["a", "b"])
    assert [d.index for d in embedded.data] == [0, 1] and len(embedded.data[0].embedding) == 4

    sent = upstream.last("/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert sent.body["stream_options"] == {"include_usage": True}


async def test_errors_reach_the_client_in_openais_shape(accounts, client_for, upstream):
    await accounts.admin()
    client = client_for(accounts.admin_token)
    with pytest.raises(openai.NotFoundError) as missing:
        await client.chat.completions.create(model="llama3:8b", messages=[])
    assert missing.value.body["code"] == "model_not_found"
    upstream.script("gpt-4o", close_after=2)
    stream = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True)
    with pytest.raises(openai.APIError) as broken:
        async for _ in stream:
            pass
    assert "OpenAI connection 0" in broken.value.message
    with pytest.raises(openai.AuthenticationError):
        await client_for("not-a-token").models.list()
