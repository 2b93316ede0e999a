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
from tests.conftest import bearer
from tests.support.embeddings import DIMS, MODEL
from tests.support.files import upload, wait_processed
from tests.support.grounding import *  # noqa: F403
from tests.support.grounding import (
    OTHER,
    PASSAGE,
    QUESTION,
    add_knowledge,
    chunked_file,
    grounding_env,
    work_done,
)
from tests.support.upstream import ScriptedUpstream


@pytest.fixture
def setting() -> str:
    return ""


@pytest.fixture
def env_overrides(upstream, setting) -> dict[str, str]:
    return {**grounding_env(upstream), **({setting: "true"} if setting else {})}


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


@pytest.fixture
async def openai_for(live):
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


@pytest.mark.parametrize("model", ["gpt-4o", "llama3:8b"])
async def test_a_file_grounds_the_answer_streamed_and_not(app, client, owner, openai_for,
                                                          upstream, model):
    file_id = await chunked_file(app, client, owner, "lighthouse.md", PASSAGE, OTHER)
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
    file_id = await chunked_file(app, client, owner, "lighthouse.md", PASSAGE)
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
    file_id = await chunked_file(app, client, owner, "lighthouse.md", PASSAGE, OTHER)
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
    file_id = await chunked_file(app, client, owner, "lighthouse.md", PASSAGE)
    upstream.script(MODEL, dims=DIMS, status=500, error_message="embedder broke")
    with pytest.raises(openai.APIStatusError) as failed:
        await openai_for(owner).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": QUESTION}],
            extra_body={"files": [{"type": "file", "id": file_id}]})
    assert 500 < failed.value.status_code < 600 and failed.value.status_code != 500
    assert "embedder broke" in json.dumps(failed.value.body)
    assert not [r for r in upstream.requests if r.path == "/v1/chat/completions"]


async def test_a_new_chat_keeps_the_sources_on_its_answer(app, client, accounts, owner,
                                                          live, upstream):
    """Open WebUI's `parent_id: null` opens a chat: the user message keeps its files, the
    answer its sources; streamed, the sources frame comes first."""
    file_id = await chunked_file(app, client, owner, "lighthouse.md", PASSAGE, OTHER)
    items = [{"type": "file", "id": file_id, "name": "lighthouse.md"}]
    async with httpx.AsyncClient(base_url=live, headers=bearer(owner), timeout=10) as http:
        async with http.stream("POST", "/api/chat/completions", json={
                "model": "gpt-4o", "stream": True, "parent_id": None,
                "messages": [{"role": "user", "content": QUESTION}],
                "user_message": {"content": QUESTION, "files": items}}) as answer:
            assert answer.status_code == 200
            frames = [line[6:] async for line in answer.aiter_lines()
                      if line.startswith("data: ")]
    first = json.loads(frames[0])
    assert set(first) == {"sources"} and first["sources"][0]["document"] == [PASSAGE]
    assert frames[-1] == "[DONE]"
    chat_id = json.loads(frames[1])["chat_id"]
    chat = (await client.get(f"/api/v1/chats/{chat_id}", headers=bearer(owner))).json()
    nodes = list(chat["chat"]["history"]["messages"].values())
    question = next(n for n in nodes if n["role"] == "user")
    answer = next(n for n in nodes if n["role"] == "assistant")
    assert question["files"] == items
    assert answer["sources"] == first["sources"] and answer["content"] == "tok0 tok1 tok2 "


async def test_a_chat_bound_answer_carries_and_keeps_its_sources(app, client, owner,
                                                                 upstream):
    file_id = await chunked_file(app, client, owner, "lighthouse.md", PASSAGE)
    made = await client.post("/api/v1/chats/new", headers=bearer(owner), json={"chat": {
        "title": "Islands", "history": {"currentId": "u1", "messages": {"u1": {
            "id": "u1", "parentId": None, "childrenIds": [], "role": "user",
            "content": QUESTION, "files": [{"type": "file", "id": file_id}]}}}}})
    assert made.status_code == 200, made.text
    chat_id = made.json()["id"]
    answer = await client.post("/api/v1/chat/completions", headers=bearer(owner), json={
        "model": "gpt-4o", "chat_id": chat_id, "id": "a1", "parent_id": "u1",
        "messages": [{"role": "user", "content": QUESTION}],
        "files": [{"type": "file", "id": file_id}]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["sources"][0]["document"] == [PASSAGE]
    chat = (await client.get(f"/api/v1/chats/{chat_id}", headers=bearer(owner))).json()
    stored = chat["chat"]["history"]["messages"]["a1"]
    assert stored["sources"] == answer.json()["sources"] and stored["done"] is True


async def test_a_knowledge_base_in_a_preset_and_the_template_setting(
        app, client, accounts, owner, openai_for, upstream):
    """A preset's knowledge base (type collection) grounds answers; an admin's
    RAG_TEMPLATE (the shared config's `rag.template`) shapes the prompt."""
    me = (await client.get("/api/v1/auths/", headers=bearer(owner))).json()
    knowledge_id = await add_knowledge(app, me["id"], "Islands", PASSAGE, OTHER)
    admin = accounts.admin_token
    made = await client.post("/api/v1/models/create", headers=bearer(admin), json={
        "id": "islands", "name": "Islands", "base_model_id": "llama3:8b", "params": {},
        "meta": {"knowledge": [{"id": knowledge_id, "name": "Islands",
                                "type": "collection"}]},
        "access_grants": [{"principal_type": "user", "principal_id": "*",
                           "permission": "read"}]})
    assert made.status_code == 200, made.text
    ctx = Context(app.state.services)  # the admin's change, as a config route makes it
    async with ctx.unit_of_work(write=True):
        await ctx.services.config.set(ctx.session, {"rag.template":
                                                    "Q: {{QUERY}}\nDOCS:\n{{CONTEXT}}"})
    reply = await openai_for(owner).chat.completions.create(
        model="islands", messages=[{"role": "user", "content": QUESTION}])
    sent = upstream.last("/api/chat").body["messages"][-1]["content"]
    assert sent == (f"Q: {QUESTION}\nDOCS:\n"
                    f'<source id="1" name="Islands">{PASSAGE}</source>\n{QUESTION}')
    source = reply.model_extra["sources"][0]["source"]
    assert source["id"] == knowledge_id and source["type"] == "collection"


@pytest.mark.parametrize("setting", ["", "ENABLE_RAG_HYBRID_SEARCH"])
async def test_upload_process_and_ask(client, owner, openai_for, upstream, setting):
    """End to end: an uploaded document, processed (chunked and embedded into its
    collection), grounds the answer to a question about it, by vector or hybrid."""
    body = await upload(client, owner, "island.md",
                        f"# Kõpu\n\n{PASSAGE}\n\n# Ferries\n\n{OTHER}".encode(),
                        "text/markdown")
    assert (await wait_processed(client, owner, body["id"]))["data"]["status"] == "completed"
    reply = await openai_for(owner).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": QUESTION}],
        extra_body={"files": [{"type": "file", "id": body["id"]}]})
    assert PASSAGE in prompt_of(upstream)
    source = reply.model_extra["sources"][0]
    assert source["source"]["id"] == body["id"] and PASSAGE in source["document"][0]
    assert source["metadata"][0]["file_id"] == body["id"]


@pytest.mark.parametrize("setting", ["RAG_FULL_CONTEXT", "BYPASS_EMBEDDING_AND_RETRIEVAL"])
async def test_whole_documents_without_retrieval(client, owner, openai_for, upstream,
                                                 setting):
    """RAG_FULL_CONTEXT (and files without vectors) send each file's whole text."""
    text = f"{PASSAGE}\n\n{OTHER}"
    body = await upload(client, owner, "island.txt", text.encode())
    await wait_processed(client, owner, body["id"])
    reply = await openai_for(owner).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": QUESTION}],
        extra_body={"files": [{"type": "file", "id": body["id"]}]})
    assert f'<source id="1" name="island.txt">{text}</source>' in prompt_of(upstream)
    assert reply.model_extra["sources"][0]["document"] == [text]


async def test_a_very_long_question_is_still_grounded(app, client, owner, openai_for,
                                                      upstream):
    file_id = await chunked_file(app, client, owner, "lighthouse.md", PASSAGE)
    question = QUESTION + " please" * 30_000  # past retrieval's 100 000-character query
    reply = await openai_for(owner).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": question}],
        extra_body={"files": [{"type": "file", "id": file_id}]})
    assert reply.model_extra["sources"][0]["document"] == [PASSAGE]


@pytest.mark.parametrize("setting", ["", "ENABLE_RAG_HYBRID_SEARCH"])
async def test_the_question_is_embedded_once_whatever_the_documents(
        app, client, owner, openai_for, upstream, setting):
    """Three files and a knowledge base searched with one embedding request."""
    names = ("lighthouse.md", "ferries.md", "harbour.md")
    files = [await chunked_file(app, client, owner, name, f"{PASSAGE} ({name})")
             for name in names]
    knowledge_id = await add_knowledge(app, (await client.get(
        "/api/v1/auths/", headers=bearer(owner))).json()["id"], "Ferries", OTHER)
    before = sum(r.path == "/api/embed" for r in upstream.requests)
    reply = await openai_for(owner).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": QUESTION}],
        extra_body={"files": [*({"type": "file", "id": f} for f in files),
                              {"type": "collection", "id": knowledge_id}]})
    assert len(reply.model_extra["sources"]) == 4
    prompt = prompt_of(upstream)
    assert all(f"({name})" in prompt for name in names) and OTHER in prompt
    assert sum(r.path == "/api/embed" for r in upstream.requests) - before == 1
