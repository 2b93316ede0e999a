"""The official `ollama` client pointed at Parley's `/ollama`: listing, chat and generate
(streamed and not), embeddings, version, all relayed from the scripted upstream."""

from tests.conftest import bearer


async def test_list_chat_generate_and_embed(accounts, client_for, upstream):
    await accounts.admin()
    client = client_for(accounts.admin_token)
    listed = await client.list()
    assert {m.model for m in listed.models} == {"llama3:8b", "qwen3:4b",
                                                "nomic-embed-text:latest"}

    reply = await client.chat(model="llama3:8b", messages=[{"role": "user", "content": "hi"}])
    assert reply.message.content == "tok0 tok1 tok2 " and reply.done

    upstream.script("qwen3:4b", chunks=5)
    parts = [part async for part in await client.chat(
        model="qwen3:4b", messages=[{"role": "user", "content": "hi"}], stream=True)]
    assert "".join(p.message.content for p in parts) == "tok0 tok1 tok2 tok3 tok4 "
    assert parts[-1].done and parts[-1].eval_count == 5

    generated = [part async for part in await client.generate(model="llama3:8b", prompt="hi",
                                                               stream=True)]
    assert "".join(p.response for p in generated) == "tok0 tok1 tok2 "

    embedded = await client.embed(model="nomic-embed-text:latest", input=["a", "b"])
    assert len(embedded.embeddings) == 2 and len(embedded.embeddings[0]) == 4
    legacy = await client.embeddings(model="nomic-embed-text:latest", prompt="a")
    assert len(legacy.embedding) == 4

    sent = upstream.last("/api/chat")
    assert sent.body["model"] == "qwen3:4b" and sent.body["stream"] is True
    assert "authorization" not in sent.headers  # no key configured for this connection


async def test_version_is_the_upstreams(accounts, client, upstream):
    await accounts.admin()
    answer = await client.get("/ollama/api/version", headers=bearer(accounts.admin_token))
    assert answer.json() == {"version": upstream.version}
    assert (await client.get("/ollama/")).json() == {"status": True}


async def test_stream_is_relayed_unchanged(accounts, live, upstream):
    """Byte for byte: what the upstream wrote is what the client reads."""
    import httpx

    await accounts.admin()
    upstream.script("llama3:8b", chunks=4)
    async with httpx.AsyncClient(base_url=live, headers=bearer(accounts.admin_token)) as http:
        async with http.stream("POST", "/ollama/api/chat", json={
                "model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}]}) as r:
            assert r.status_code == 200
            assert r.headers["content-type"] == "application/x-ndjson"
            body = b"".join([chunk async for chunk in r.aiter_raw()])
    expected = b"".join(upstream._ollama_lines("/api/chat", "llama3:8b",
                                               upstream.script_for("llama3:8b")))
    assert body == expected
