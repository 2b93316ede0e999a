"""The GraphQL `retrieve` query on SQLite and PostgreSQL, through the resolvers REST uses:
chunks of readable knowledge bases and files with score, collection, file id, source
name and metadata; another user's knowledge base or file NOT_FOUND like a missing one;
bad input BAD_USER_INPUT; hybrid only when enabled; a failing embedding upstream
UPSTREAM_FAILED."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.schema.conftest import error_codes
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, embedding_env
from tests.support.files import upload, wait_processed
from tests.support.retrieval import make_knowledge

RETRIEVE = """query R($q: String!, $kbs: [ID!], $files: [ID!], $k: Int, $hybrid: Boolean) {
  retrieve(query: $q, knowledgeBaseIds: $kbs, fileIds: $files, k: $k, hybrid: $hybrid) {
    id text score collection fileId sourceName metadata } }"""
DOCS = ["Parley keeps its vectors in database tables", "Cats sleep sixteen hours every day",
        "The zebra crossing is painted white"]


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "20"}


@pytest.fixture
async def setup(app, client, graphql):
    admin = await graphql.admin()
    alice = await graphql.add_user(admin, "alice@example.com")
    bob = await graphql.add_user(admin, "bob@example.com")
    kb = await make_knowledge(app, alice["user"]["id"])
    for content in (DOCS[0], DOCS[2]):
        response = await client.post("/api/rag/embed", headers=bearer(alice["token"]),
                                     json={"content": content, "collection_name": kb})
        assert response.status_code == 200, response.text
    file = await upload(client, alice["token"], "cats.txt", DOCS[1].encode())
    await wait_processed(client, alice["token"], file["id"])
    batch = await client.post("/api/v1/retrieval/process/files/batch",
                              headers=bearer(alice["token"]),
                              json={"collection_name": f"file-{file['id']}",
                                    "files": [{"id": file["id"]}]})
    assert batch.status_code == 200, batch.text
    return {"admin": admin, "alice": alice["token"], "bob": bob["token"], "kb": kb,
            "file": file["id"]}


async def test_retrieve_from_knowledge_bases_and_files(graphql, setup):
    found = (await graphql.ok(RETRIEVE, {"q": "cats sleep zebra", "kbs": [setup["kb"]],
                                         "files": [setup["file"]], "k": 2},
                              token=setup["alice"]))["retrieve"]
    assert [c["text"] for c in found] == [DOCS[1], DOCS[2]]
    first = found[0]
    assert first["collection"] == f"file-{setup['file']}" and first["fileId"] == setup["file"]
    assert first["sourceName"] == "cats.txt" and first["metadata"]["file_id"] == setup["file"]
    assert first["metadata"]["embedding_config"] == {"engine": "ollama", "model": MODEL}
    assert found[1]["collection"] == setup["kb"] and found[1]["fileId"] is None
    assert 0.5 < found[1]["score"] <= first["score"] <= 1.0
    # RAG_TOP_K (3) by default; hybrid asked for but not enabled: vector scores.
    default = (await graphql.ok(RETRIEVE, {"q": "cats", "kbs": [setup["kb"]],
                                           "files": [setup["file"]], "hybrid": True},
                                token=setup["alice"]))["retrieve"]
    assert len(default) == 3 and all(c["score"] >= 0.5 for c in default)


async def test_unreadable_ids_are_not_found(graphql, setup):
    for variables in ({"kbs": [setup["kb"]]}, {"files": [setup["file"]]},
                      {"kbs": ["missing"]}, {"files": ["missing"]},
                      {"kbs": ["knowledge-bases"]}, {"kbs": ["../etc"]},
                      {"kbs": [setup["kb"].upper()]}):
        body = await graphql(RETRIEVE, {"q": "cats", **variables}, token=setup["bob"])
        assert error_codes(body) == ["NOT_FOUND"], (variables, body)
        assert body["data"] is None


@pytest.mark.parametrize("variables", [{"q": ""}, {"q": "   "}, {"q": "cats\x00"},
                                       {"q": "cats", "k": 0}, {"q": "cats", "k": 10**6},
                                       {"q": "x" * 100_001}, {"q": "cats", "kbs": []}])
async def test_bad_input_is_bad_user_input(graphql, setup, variables):
    variables = {"kbs": [setup["kb"]], **variables}
    body = await graphql(RETRIEVE, variables, token=setup["alice"])
    assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_signed_out_and_failing_upstream(graphql, setup, upstream):
    body = await graphql(RETRIEVE, {"q": "cats", "kbs": [setup["kb"]]})
    assert error_codes(body) == ["UNAUTHENTICATED"]
    upstream.script(MODEL, dims=DIMS, status=500, error_message="model crashed")
    body = await graphql(RETRIEVE, {"q": "cats", "kbs": [setup["kb"]]}, token=setup["alice"])
    assert error_codes(body) == ["UPSTREAM_FAILED"] and "model crashed" in \
        body["errors"][0]["message"]
