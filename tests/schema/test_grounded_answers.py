"""Grounded answers over GraphQL: `startChatCompletion` with `files` and
`knowledgeBaseIds` searches them with the message, the upstream sees the passages, the
user message keeps its files and the answer its `sources`; `Message.files` reads the
files back (those the reader may see); a document the caller may not read is
`DocumentNotFound` with nothing written; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.support.embeddings import DIMS, MODEL
from tests.support.files import upload
from tests.support.grounding import *  # noqa: F403
from tests.support.grounding import (
    OTHER,
    PASSAGE,
    QUESTION,
    add_knowledge,
    chunked_file,
    work_done,
)
from tests.support.waiting import eventually

START = """mutation Start($input: ChatCompletionInput!) {
  startChatCompletion(input: $input) {
    __typename
    ... on ChatCompletionPayload { chat { id } userMessage { id } assistantMessage { id } }
    ... on MutationError { code message }
  } }"""
READ = """query($id: ID!) { chat(id: $id) { messages(last: 10) { nodes {
  id role status content sources fileItems files { id filename owner { email } } } } } }"""


@pytest.fixture
async def people(graphql):
    admin = await graphql.admin()
    owner = await graphql.add_user(admin, "owner@example.com")
    stranger = await graphql.add_user(admin, "stranger@example.com")
    return admin, owner, stranger


async def answered(graphql, token: str, chat_id: str) -> dict[str, dict]:
    found: dict[str, dict] = {}

    async def done() -> bool:
        data = await graphql.ok(READ, {"id": chat_id}, token=token)
        found.clear()
        found.update({m["role"]: m for m in data["chat"]["messages"]["nodes"]})
        return found.get("assistant", {}).get("status") == "DONE"

    await eventually(done, 10)
    return found


async def prompt(upstream, count: int = 1) -> str:
    """The last user message of the `count`th chat the upstream was sent."""
    async def sent() -> bool:
        return len([r for r in upstream.requests if r.path == "/api/chat"]) >= count

    await eventually(sent, 10)
    return [r for r in upstream.requests if r.path == "/api/chat"][count - 1].body[
        "messages"][-1]["content"]


async def test_files_and_knowledge_ground_a_new_chat(app, client, graphql, people, upstream):
    _, owner, _ = people
    token = owner["token"]
    file_id = await chunked_file(app, client, token, "lighthouse.md", PASSAGE)
    knowledge_id = await add_knowledge(app, owner["user"]["id"], "Ferries", OTHER)
    data = await graphql.ok(START, {"input": {
        "model": "llama3:8b", "content": QUESTION, "files": [{"id": file_id}],
        "knowledgeBaseIds": [knowledge_id]}}, token=token)
    started = data["startChatCompletion"]
    assert started["__typename"] == "ChatCompletionPayload", started
    sent = await prompt(upstream)
    assert f'<source id="1" name="lighthouse.md">{PASSAGE}</source>' in sent
    assert f'<source id="2" name="Ferries">{OTHER}</source>' in sent
    assert sent.rstrip().endswith(QUESTION)

    found = await answered(graphql, token, started["chat"]["id"])
    question, answer = found["user"], found["assistant"]
    assert question["content"] == QUESTION  # the stored message is the user's own text
    assert [f["id"] for f in question["files"]] == [file_id]
    assert question["files"][0]["owner"]["email"] == "owner@example.com"
    assert question["fileItems"] == [{"type": "file", "id": file_id},
                                     {"type": "collection", "id": knowledge_id}]
    sources = answer["sources"]
    assert [(s["source"]["type"], s["source"]["id"]) for s in sources] == [
        ("file", file_id), ("collection", knowledge_id)]
    assert [s["document"] for s in sources] == [[PASSAGE], [OTHER]]
    assert answer["files"] == [] and question["sources"] is None


async def test_an_answer_again_in_a_chat_searches_the_questions_files(
        app, client, graphql, people, upstream):
    _, owner, _ = people
    token = owner["token"]
    file_id = await chunked_file(app, client, token, "lighthouse.md", PASSAGE)
    data = await graphql.ok(START, {"input": {
        "model": "llama3:8b", "content": QUESTION, "files": [{"id": file_id}]}}, token=token)
    chat_id = data["startChatCompletion"]["chat"]["id"]
    question_id = data["startChatCompletion"]["userMessage"]["id"]
    await answered(graphql, token, chat_id)
    again = await graphql.ok(START, {"input": {"model": "llama3:8b", "chatId": chat_id,
                                               "parentId": question_id}}, token=token)
    assert again["startChatCompletion"]["__typename"] == "ChatCompletionPayload"
    assert PASSAGE in await prompt(upstream, 2)


async def test_foreign_documents_are_refused_and_hidden(app, client, graphql, people,
                                                        upstream):
    admin, owner, stranger = people
    file_id = await chunked_file(app, client, owner["token"], "lighthouse.md", PASSAGE)
    knowledge_id = await add_knowledge(app, owner["user"]["id"], "Ferries", OTHER)
    before = work_done(upstream)
    for extra in ({"files": [{"id": file_id}]}, {"knowledgeBaseIds": [knowledge_id]},
                  {"files": [{"id": "no-such-file"}]}):
        data = await graphql.ok(START, {"input": {"model": "llama3:8b", "content": QUESTION,
                                                  **extra}}, token=stranger["token"])
        refused = data["startChatCompletion"]
        assert refused["__typename"] == "DocumentNotFound", refused
        assert refused["code"] == "NOT_FOUND" and "may see" in refused["message"]
    listed = await client.get("/api/v1/chats/", headers=bearer(stranger["token"]))
    assert listed.json() == []  # nothing half-written
    assert work_done(upstream) == before  # no embedding, no chat

    # An admin reading the owner's chat sees the file; the file's owner reads it as hers.
    data = await graphql.ok(START, {"input": {"model": "llama3:8b", "content": QUESTION,
                                              "files": [{"id": file_id}]}},
                            token=owner["token"])
    chat_id = data["startChatCompletion"]["chat"]["id"]
    found = await answered(graphql, admin, chat_id)
    assert [f["id"] for f in found["user"]["files"]] == [file_id]


FILES_PAGE = """{ chats(first: 50) { nodes { messages(first: 5) { nodes {
  files { id filename } } } } } }"""


async def test_message_files_cost_the_same_whatever_the_page(app, client, graphql, people):
    """Message.files goes through the unit of work's file loader: one statement for a
    page's files, however many chats and messages name them."""
    from tests.schema.test_chat_statements import recorded

    _, owner, _ = people
    token = owner["token"]

    async def add_chats(count: int) -> None:
        for _ in range(count):
            body = await upload(client, token, "n.txt", b"notes", process="false")
            made = await client.post("/api/v1/chats/new", headers=bearer(token), json={
                "chat": {"title": "c", "history": {"currentId": "u1", "messages": {"u1": {
                    "id": "u1", "parentId": None, "childrenIds": [], "role": "user",
                    "content": "see", "files": [{"type": "file", "id": body["id"]}]}}}}})
            assert made.status_code == 200, made.text

    async def statements(chats: int) -> list[str]:
        with recorded(app) as seen:
            data = await graphql.ok(FILES_PAGE, token=token)
        nodes = data["chats"]["nodes"]
        assert len(nodes) == chats
        assert all(len(n["messages"]["nodes"][0]["files"]) == 1 for n in nodes)
        return seen

    await add_chats(2)
    few = await statements(2)
    await add_chats(8)
    many = await statements(10)
    assert len(many) == len(few), many
    assert sum("FROM file" in s for s in many) == 1


async def test_an_embedding_server_that_fails_starts_nothing(app, client, graphql, people,
                                                             upstream):
    _, owner, _ = people
    token = owner["token"]
    file_id = await chunked_file(app, client, token, "lighthouse.md", PASSAGE)
    upstream.script(MODEL, dims=DIMS, status=503, error_message="embedder overloaded")
    body = await graphql(START, {"input": {"model": "llama3:8b", "content": QUESTION,
                                           "files": [{"id": file_id}]}}, token=token)
    assert body["data"] is None or body["data"]["startChatCompletion"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] in ("UPSTREAM_FAILED", "UNAVAILABLE")
    assert "embedder overloaded" in error["message"]
    listed = await client.get("/api/v1/chats/", headers=bearer(token))
    assert listed.json() == []
    assert not [r for r in upstream.requests if r.path == "/api/chat"]
