"""Answers grounded in documents on Open WebUI's unified route, through the official
`openai` client at `/api`: the files named in `extra_body` (or a preset's knowledge) are
searched with the question, the passages reach the upstream's prompt inside
RAG_TEMPLATE's `<source>` tags, and `sources` come back (a first frame when streamed, a
key of the answer when not). Foreign or unknown documents are refused, and an embedding
server that is down is a clear error; on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from resolvers.context import Context
from resolvers.retrieval.chunks import Chunk, add_chunks
from tests.conftest import bearer
from tests.support.ai import UPSTREAM_KEY, live  # noqa: F401
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.files import upload
from tests.support.upstream import ScriptedUpstream

PASSAGE = "The lighthouse keeper Marta Ilves lit the lamp at Kõpu every night in 1931."
OTHER = "Ferries to Hiiumaa leave from Rohuküla harbour several times a day."
QUESTION = "Who lit the lamp at the lighthouse?"


@pytest.fixture
async def upstream():
    """One scripted server for both: the chat model and the embedding model."""
    async with ScriptedUpstream(key=UPSTREAM_KEY) as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return {"OLLAMA_BASE_URLS": upstream.url, "OPENAI_API_BASE_URLS": upstream.openai_url,
            "OPENAI_API_KEYS": UPSTREAM_KEY, "UPSTREAM_IDLE_TIMEOUT": "2",
            **embedding_env(upstream.url), "RAG_TOP_K": "1",
            "BYPASS_MODEL_ACCESS_CONTROL": "true"}


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


async def document(app, client, token: str, name: str, *texts: str) -> str:
    """An uploaded file whose chunks are in `file-<id>`."""
    body = await upload(client, token, name, "\n\n".join(texts).encode(),
                        process="false")
    await add_chunks(Context(app.state.services), f"file-{body['id']}",
                     [Chunk(t, {"file_id": body["id"], "name": name, "source": name})
                      for t in texts])
    return body["id"]


@pytest.fixture
async def openai_for(live):  # noqa: F811
    made = []

    def make(token: str) -> openai.AsyncOpenAI:
        made.append(openai.AsyncOpenAI(base_url=f"{live}/api", api_key=token,
                                       max_retries=0, timeout=10))
        return made[-1]

    yield make
    for client in made:
        await client.close()


def prompt_of(upstream: ScriptedUpstream, path: str = "/v1/chat/completions") -> str:
    sent = upstream.last(path)
    return "\n".join(m["content"] for m in sent.body["messages"])


def work_done(upstream: ScriptedUpstream) -> int:
    """Embeddings and chats the upstream was asked for (model lists aside)."""
    return len([r for r in upstream.requests if r.path in (
        "/api/embed", "/v1/chat/completions", "/api/chat")])


@pytest.mark.parametrize("model", ["gpt-4o", "llama3:8b"])
async def test_a_file_grounds_the_answer_streamed_and_not(app, client, owner, openai_for,
                                                          upstream, model):
    file_id = await document(app, client, owner, "lighthouse.md", PASSAGE, OTHER)
    api = openai_for(owner)
    path = "/v1/chat/completions" if model == "gpt-4o" else "/api/chat"
    reply = await api.chat.completions.create(
        model=model, messages=[{"role": "user", "content": QUESTION}],
        extra_body={"files": [{"type": "file", "id": file_id}]})
    assert reply.choices[0].message.content == "tok0 tok1 tok2 "
    prompt = prompt_of(upstream, path)
    assert f'<source id="1" name="lighthouse.md">{PASSAGE}</source>' in prompt
    assert OTHER not in prompt  # RAG_TOP_K=1: only the best passage
    assert "### Task:" in prompt and prompt.rstrip().endswith(QUESTION)
    assert "files" not in upstream.last(path).body
    sources = reply.model_extra["sources"]
    assert [s["source"]["id"] for s in sources] == [file_id]
    assert sources[0]["source"]["type"] == "file"
    assert sources[0]["source"]["name"] == "lighthouse.md"
    assert sources[0]["document"] == [PASSAGE]
    assert sources[0]["metadata"][0]["file_id"] == file_id
    assert len(sources[0]["distances"]) == 1

    stream = await api.chat.completions.create(
        model=model, messages=[{"role": "user", "content": QUESTION}], stream=True,
        extra_body={"files": [{"type": "file", "id": file_id}]})
    chunks = [chunk async for chunk in stream]
    assert chunks[0].model_extra["sources"] == sources
    text = "".join(c.choices[0].delta.content or "" for c in chunks[1:] if c.choices)
    assert text == "tok0 tok1 tok2 "


async def test_without_files_nothing_changes(owner, openai_for, upstream):
    api = openai_for(owner)
    reply = await api.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    assert "sources" not in (reply.model_extra or {})
    assert upstream.last("/v1/chat/completions").body["messages"] == [
        {"role": "user", "content": QUESTION}]


async def test_foreign_and_unknown_documents_are_refused(app, client, accounts, owner,
                                                         openai_for, upstream):
    file_id = await document(app, client, owner, "lighthouse.md", PASSAGE)
    stranger = (await accounts.user("stranger@example.com"))["token"]
    api = openai_for(stranger)
    calls = work_done(upstream)
    for files in ([{"type": "file", "id": file_id}], [{"file": {"id": file_id}}],
                  [{"type": "file", "id": "no-such-file"}],
                  [{"type": "collection", "id": "no-such-knowledge"}]):
        with pytest.raises(openai.NotFoundError) as refused:
            await api.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": QUESTION}],
                extra_body={"files": files})
        assert "may see" in refused.value.body["detail"]
    # Also in the user message, and in a chat-bound request.
    async with httpx.AsyncClient(base_url=str(api.base_url).rsplit("/api", 1)[0],
                                 headers=bearer(stranger)) as http:
        answer = await http.post("/api/chat/completions", json={
            "model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}],
            "parent_id": None, "user_message": {
                "content": QUESTION, "files": [{"type": "file", "id": file_id}]}})
        assert answer.status_code == 404, answer.text
        chats = await http.get("/api/v1/chats/")
        assert chats.json() == []  # nothing half-written
        bad = await http.post("/api/chat/completions", json={
            "model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}],
            "files": [{"type": "file"}]})
        assert bad.status_code == 400 and "files" in bad.json()["detail"]
    assert work_done(upstream) == calls  # no embedding, no chat


async def test_a_presets_knowledge_grounds_its_answers(app, client, accounts, owner,
                                                       openai_for, upstream):
    file_id = await document(app, client, owner, "lighthouse.md", PASSAGE, OTHER)
    admin = accounts.admin_token
    made = await client.post("/api/v1/models/create", headers=bearer(admin), json={
        "id": "keeper", "name": "Keeper", "base_model_id": "gpt-4o", "params": {},
        "meta": {"knowledge": [{"type": "file", "id": file_id, "name": "lighthouse.md"}]},
        "access_grants": [{"principal_type": "user", "principal_id": "*",
                           "permission": "read"}]})
    assert made.status_code == 200, made.text
    reply = await openai_for(owner).chat.completions.create(
        model="keeper", messages=[{"role": "user", "content": QUESTION}])
    assert PASSAGE in prompt_of(upstream)
    assert reply.model_extra["sources"][0]["source"]["id"] == file_id
    # Someone who may use the preset but not read its documents gets no passages.
    stranger = (await accounts.user("stranger@example.com"))["token"]
    reply = await openai_for(stranger).chat.completions.create(
        model="keeper", messages=[{"role": "user", "content": QUESTION}])
    assert PASSAGE not in prompt_of(upstream)
    assert "sources" not in (reply.model_extra or {})


async def test_embedding_server_down_is_a_clear_error(app, client, owner, openai_for,
                                                      upstream):
    file_id = await document(app, client, owner, "lighthouse.md", PASSAGE)
    upstream.script(MODEL, dims=DIMS, status=500, error_message="embedder broke")
    with pytest.raises(openai.APIStatusError) as failed:
        await openai_for(owner).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": QUESTION}],
            extra_body={"files": [{"type": "file", "id": file_id}]})
    assert 500 < failed.value.status_code < 600 and failed.value.status_code != 500
    assert "embedder broke" in json.dumps(failed.value.body)
    assert not [r for r in upstream.requests if r.path == "/v1/chat/completions"]
