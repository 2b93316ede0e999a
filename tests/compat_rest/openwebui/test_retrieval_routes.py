"""Open WebUI's retrieval routes and the documented `/api/rag` routes on SQLite and
PostgreSQL, with embeddings from the scripted Ollama server: the answers' shapes, the
collection access rules (403 for a collection denied, 400 for a bad name, 404 for a
knowledge base or file the caller may not read, 401 for admin routes), and bad input
refused with a 4xx before anything is written."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, embedding_env
from tests.support.files import upload, wait_processed
from tests.support.retrieval import make_knowledge

V1 = "/api/v1/retrieval"
ACCESS_PROHIBITED = ("You do not have permission to access this resource. Please contact "
                     "your administrator for assistance.")
DOCS = ["Parley keeps its vectors in database tables",
        "Cats sleep sixteen hours every day",
        "The zebra crossing is painted white"]


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    # A busy machine may take more than the shared fixtures' 1 s to answer.
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "20"}


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com")
    bob = await accounts.user("bob@example.com")
    return {name: {"id": who["id"], "token": who["token"], "auth": bearer(who["token"])}
            for name, who in (("admin", admin), ("alice", alice), ("bob", bob))}


async def chunk_count(app, collection: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(text(
            "SELECT count(*) FROM parley_vector_chunk WHERE collection = :c"),
            {"c": collection})).scalar_one()


async def index(client, who, collection, *texts) -> None:
    for number, content in enumerate(texts):
        response = await client.post("/api/rag/embed", headers=who["auth"], json={
            "content": content, "name": f"doc{number}.txt", "collection_name": collection})
        assert response.status_code == 200, response.text


async def test_process_text_into_its_hash_or_a_writable_collection(app, client, people):
    alice, admin = people["alice"], people["admin"]
    response = await client.post(f"{V1}/process/text", headers=alice["auth"],
                                 json={"name": "note", "content": DOCS[0]})
    assert response.status_code == 200, response.text
    digest = hashlib.sha256(DOCS[0].encode()).hexdigest()
    assert response.json() == {"status": True, "collection_name": digest, "content": DOCS[0]}
    assert await chunk_count(app, digest) == 1
    # Made by alice, but a sha256 collection is read by administrators only.
    query = {"collection_name": digest, "query": "vectors in tables"}
    denied = await client.post(f"{V1}/query/doc", headers=alice["auth"], json=query)
    assert denied.status_code == 403 and denied.json() == {"detail": ACCESS_PROHIBITED}
    found = (await client.post(f"{V1}/query/doc", headers=admin["auth"], json=query)).json()
    assert found["documents"] == [[DOCS[0]]] and len(found["ids"][0]) == 1
    assert found["metadatas"][0][0]["name"] == "note"
    assert found["metadatas"][0][0]["created_by"] == alice["id"]
    # The same text again re-embeds nothing (Open WebUI leaves an existing collection).
    again = await client.post(f"{V1}/process/text", headers=alice["auth"],
                              json={"name": "note", "content": DOCS[0]})
    assert again.status_code == 200 and await chunk_count(app, digest) == 1

    kb = await make_knowledge(app, alice["id"], ("user", people["bob"]["id"], "read"))
    named = await client.post(f"{V1}/process/text", headers=alice["auth"], json={
        "name": "n", "content": DOCS[1], "collection_name": kb})
    assert named.json()["collection_name"] == kb and await chunk_count(app, kb) == 1
    for collection, status in ((kb, 403), ("knowledge-bases", 403), ("bad name", 400),
                               (f"user-memory-{alice['id']}", 403)):
        refused = await client.post(f"{V1}/process/text", headers=people["bob"]["auth"],
                                    json={"name": "n", "content": "x",
                                          "collection_name": collection})
        assert refused.status_code == status, (collection, refused.text)
    assert await chunk_count(app, kb) == 1


async def test_query_doc_and_collection_shapes_and_access(app, client, people):
    alice, bob = people["alice"], people["bob"]
    first = await make_knowledge(app, alice["id"], ("user", bob["id"], "read"))
    second = await make_knowledge(app, alice["id"])
    await index(client, alice, first, DOCS[0], DOCS[1])
    await index(client, alice, second, DOCS[0], DOCS[2])
    doc = (await client.post(f"{V1}/query/doc", headers=bob["auth"], json={
        "collection_name": first, "query": "cats sleep", "k": 1})).json()
    assert doc["documents"] == [[DOCS[1]]] and set(doc) == {
        "ids", "documents", "metadatas", "distances"}
    assert 0.5 < doc["distances"][0][0] <= 1.0
    merged = (await client.post(f"{V1}/query/collection", headers=alice["auth"], json={
        "collection_names": [first, second], "query": "vectors zebra crossing",
        "k": 5})).json()
    assert set(merged) == {"documents", "metadatas", "distances"}
    assert sorted(merged["documents"][0]) == sorted(DOCS)  # DOCS[0] once, though in both
    assert merged["distances"][0] == sorted(merged["distances"][0], reverse=True)
    # Bob may read the first, not the second: the whole query is refused.
    refused = await client.post(f"{V1}/query/collection", headers=bob["auth"], json={
        "collection_names": [first, second], "query": "cats"})
    assert refused.status_code == 403 and refused.json() == {"detail": ACCESS_PROHIBITED}
    for names in (["knowledge-bases"], [second.upper()], [second.replace("-", "_")]):
        denied = await client.post(f"{V1}/query/collection", headers=bob["auth"],
                                   json={"collection_names": names, "query": "cats"})
        assert denied.status_code == 403, names
    # A collection nobody made, named by an admin: nothing in it.
    empty = await client.post(f"{V1}/query/doc", headers=people["admin"]["auth"],
                              json={"collection_name": "nothing-here", "query": "cats"})
    assert empty.json() == {"ids": [[]], "documents": [[]], "metadatas": [[]],
                            "distances": [[]]}


@pytest.mark.parametrize("body, status", [
    ({"collection_name": "KB", "query": ""}, 400),
    ({"collection_name": "KB", "query": "   "}, 400),
    ({"collection_name": "KB", "query": "cats\x00"}, 422),  # refused at the edge
    ({"collection_name": "KB", "query": "cats", "k": 10**9}, 400),
    ({"collection_name": "KB", "query": "cats", "k": 0}, 400),
    ({"collection_name": "KB", "query": "cats", "k": "3"}, 422),
    ({"collection_name": "KB", "query": 42}, 422),
    ({"collection_name": ["KB"], "query": "cats"}, 422),
    ({"collection_name": "a/b", "query": "cats"}, 400),
    ({"collection_name": "x" * 300, "query": "cats"}, 400),
    ({"query": "cats"}, 422),
])
async def test_bad_queries_are_4xx(app, client, people, body, status):
    kb = await make_knowledge(app, people["alice"]["id"], knowledge_id="KB")
    await index(client, people["alice"], kb, DOCS[0])
    response = await client.post(f"{V1}/query/doc", headers=people["alice"]["auth"],
                                 json=body)
    assert response.status_code == status, response.text
    assert "detail" in response.json()
    many = await client.post(f"{V1}/query/collection", headers=people["alice"]["auth"],
                             json={"collection_names": [], "query": "cats"})
    assert many.status_code == 400


async def test_routes_need_a_signed_in_user_and_admin_routes_an_admin(client, people):
    for path in ("/process/text", "/process/files/batch", "/query/doc", "/query/collection",
                 "/delete", "/reset/db"):
        assert (await client.post(f"{V1}{path}", json={})).status_code == 401, path
    for path in ("/api/rag/embed", "/api/rag/query"):
        assert (await client.post(path, json={})).status_code == 401, path
    for path in ("/delete", "/reset/db"):
        response = await client.post(f"{V1}{path}", headers=people["alice"]["auth"],
                                     json={"collection_name": "x", "file_id": "y"})
        assert response.status_code == 401, path


async def test_files_batch_indexes_processed_chunks_once(app, client, people):
    alice, bob = people["alice"], people["bob"]
    kb = await make_knowledge(app, alice["id"], ("user", bob["id"], "read"))
    mine = await upload(client, alice["token"], "cats.txt", DOCS[1].encode())
    theirs = await upload(client, bob["token"], "zebra.txt", DOCS[2].encode())
    for token, file in ((alice["token"], mine), (bob["token"], theirs)):
        assert (await wait_processed(client, token, file["id"]))["data"]["status"] == \
            "completed"
    body = {"collection_name": kb, "files": [{"id": mine["id"], "filename": "cats.txt"},
                                             {"id": theirs["id"]}]}
    for _ in range(2):  # indexing again replaces the file's chunks
        response = await client.post(f"{V1}/process/files/batch", headers=alice["auth"],
                                     json=body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["results"] == [{"file_id": mine["id"], "status": "completed"}]
        assert [e["file_id"] for e in answer["errors"]] == [theirs["id"]]
        assert answer["errors"][0]["status"] == "failed" and answer["errors"][0]["error"]
        assert await chunk_count(app, kb) == 1
    found = (await client.post(f"{V1}/query/doc", headers=bob["auth"], json={
        "collection_name": kb, "query": "cats sleep"})).json()
    assert found["metadatas"][0][0]["file_id"] == mine["id"]
    # A file's own collection follows the file's access: alice's, not bob's.
    own = {"collection_name": f"file-{mine['id']}", "query": "cats"}
    assert (await client.post(f"{V1}/query/doc", headers=alice["auth"], json=own)
            ).status_code == 200
    other = await client.post(f"{V1}/query/doc", headers=bob["auth"], json=own)
    assert other.status_code == 403 and other.json() == {"detail": ACCESS_PROHIBITED}
    # Bob may read the knowledge base, not write to it.
    refused = await client.post(f"{V1}/process/files/batch", headers=bob["auth"],
                                json={"collection_name": kb, "files": [{"id": theirs["id"]}]})
    assert refused.status_code == 403 and await chunk_count(app, kb) == 1
    for bad in ({"collection_name": kb, "files": []}, {"collection_name": kb, "files": "x"},
                {"files": [{"id": mine["id"]}]}):
        response = await client.post(f"{V1}/process/files/batch", headers=alice["auth"],
                                     json=bad)
        assert response.status_code in (400, 422), bad

    # An admin deletes the file's chunks from the collection by the file's hash.
    admin = people["admin"]["auth"]
    deleted = await client.post(f"{V1}/delete", headers=admin,
                                json={"collection_name": kb, "file_id": mine["id"]})
    assert deleted.json() == {"status": True} and await chunk_count(app, kb) == 0
    unknown = await client.post(f"{V1}/delete", headers=admin,
                                json={"collection_name": kb, "file_id": "missing"})
    assert unknown.json() == {"status": False}
    bad = await client.post(f"{V1}/delete", headers=admin,
                            json={"collection_name": "a b", "file_id": mine["id"]})
    assert bad.status_code == 400


async def test_reset_db_empties_every_collection(app, client, people):
    kb = await make_knowledge(app, people["alice"]["id"])
    await index(client, people["alice"], kb, *DOCS)
    response = await client.post(f"{V1}/reset/db", headers=people["admin"]["auth"])
    assert response.status_code == 200 and response.json() == {"status": True}
    assert await chunk_count(app, kb) == 0


async def test_rag_embed_embeds_texts_or_indexes_content(app, client, people):
    alice = people["alice"]
    vectors = await client.post("/api/rag/embed", headers=alice["auth"],
                                json={"texts": ["one", "two words"]})
    assert vectors.status_code == 200, vectors.text
    body = vectors.json()
    assert body["engine"] == "ollama" and len(body["embeddings"]) == 2
    assert all(len(v) == DIMS for v in body["embeddings"])
    kb = await make_knowledge(app, alice["id"])
    added = await client.post("/api/rag/embed", headers=alice["auth"], json={
        "content": DOCS[0], "name": "a.txt", "collection_name": kb})
    assert added.json()["collection_name"] == kb and len(added.json()["ids"]) == 1
    for bad, status in (({}, 400), ({"texts": ["a"], "content": "b"}, 400),
                        ({"texts": "a"}, 422), ({"content": ""}, 400),
                        ({"content": "a", "collection_name": "knowledge-bases"}, 403)):
        response = await client.post("/api/rag/embed", headers=alice["auth"], json=bad)
        assert response.status_code == status, (bad, response.text)
    assert await chunk_count(app, kb) == 1


async def test_rag_query_by_knowledge_base_and_file_ids(app, client, people):
    alice, bob = people["alice"], people["bob"]
    kb = await make_knowledge(app, alice["id"])
    await index(client, alice, kb, DOCS[0], DOCS[2])
    file = await upload(client, alice["token"], "cats.txt", DOCS[1].encode())
    await wait_processed(client, alice["token"], file["id"])
    batch = await client.post(f"{V1}/process/files/batch", headers=alice["auth"], json={
        "collection_name": f"file-{file['id']}", "files": [{"id": file["id"]}]})
    assert batch.status_code == 200, batch.text
    response = await client.post("/api/rag/query", headers=alice["auth"], json={
        "query": "cats sleep zebra", "knowledge_ids": [kb], "file_ids": [file["id"]],
        "k": 2})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["text"] for r in results] == [DOCS[1], DOCS[2]]
    assert results[0]["file_id"] == file["id"] and results[0]["source"] == "cats.txt"
    assert results[0]["collection"] == f"file-{file['id']}"
    assert results[1]["collection"] == kb and results[0]["score"] >= results[1]["score"]
    for body, status in (({"knowledge_ids": [kb]}, 404), ({"file_ids": [file["id"]]}, 404),
                         ({"knowledge_ids": ["missing"]}, 404),
                         ({"collection_names": [kb]}, 403), ({}, 400)):
        refused = await client.post("/api/rag/query", headers=bob["auth"],
                                    json={"query": "cats", **body})
        assert refused.status_code == status, (body, refused.text)
