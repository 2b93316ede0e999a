"""Open WebUI's `process/file` in its `collection_name` and `content` modes (rest-ai.md
§8.1), on SQLite and PostgreSQL with the scripted Ollama embeddings: a file's chunks
copied into a knowledge base's collection (its vectors reused, replaced on a second
copy), who may write where (knowledge write grants, administrators, the file's own
collection, never `knowledge-bases`), Open WebUI's duplicate-content rule, vectors of
another dimension, and text given in the request replacing the file's."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from data.tables import AccessGrantRow, KnowledgeFileRow, KnowledgeRow
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, bag_of_words
from tests.support.files import upload, wait_processed

ROUTE = "/api/v1/retrieval/process/file"


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com")
    bob = await accounts.user("bob@example.com")
    return {"admin": admin["token"], "alice": alice["token"], "bob": bob["token"],
            "alice_id": alice["id"], "bob_id": bob["id"]}


async def knowledge(app, owner_id: str, grants: tuple[tuple[str, str], ...] = ()) -> str:
    """A knowledge base row (its routes are another module's), with user grants."""
    kb_id = str(uuid.uuid4())
    async with app.state.services.write_sessionmaker() as session:
        session.add(KnowledgeRow(id=kb_id, user_id=owner_id, name="kb", description="",
                                 meta={}, created_at=1, updated_at=1))
        for user_id, permission in grants:
            session.add(AccessGrantRow(id=str(uuid.uuid4()), resource_type="knowledge",
                                       resource_id=kb_id, principal_type="user",
                                       principal_id=user_id, permission=permission,
                                       created_at=1))
        await session.commit()
    return kb_id


async def stored(app, collection: str) -> list[tuple[str, str]]:
    """(id, file_id) of every vector in the collection."""
    async with app.state.services.sessionmaker() as session:
        rows = (await session.execute(text(
            "SELECT id, metadata FROM parley_vector_chunk WHERE collection = :c"),
            {"c": collection})).all()
    items = await app.state.services.vectors.query(collection, {}) if rows else None
    return [(i, m["file_id"]) for i, m in zip(items.ids[0], items.metadatas[0],
                                                 strict=True)] if items else []


async def processed(client, token: str, name: str, content: bytes, **params) -> dict:
    body = await upload(client, token, name, content, "text/markdown", **params)
    if params.get("process") == "false":
        return body
    done = await wait_processed(client, token, body["id"])
    assert done["data"]["status"] == "completed", done["data"]
    return done


async def copy(client, token: str, file_id: str, collection: str, **extra):
    return await client.post(ROUTE, headers=bearer(token), json={
        "file_id": file_id, "collection_name": collection, **extra})


def embed_calls(upstream) -> int:
    return len([r for r in upstream.requests if r.path == "/api/embed"])


async def test_chunks_are_copied_into_a_knowledge_collection(client, app, people, upstream):
    kb = await knowledge(app, people["alice_id"])
    done = await processed(client, people["alice"], "notes.md",
                           b"# One\n\nalpha words\n\n# Two\n\nbeta words\n")
    calls = embed_calls(upstream)
    response = await copy(client, people["alice"], done["id"], kb)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": True, "collection_name": kb,
                               "filename": "notes.md", "content": done["data"]["content"]}
    assert embed_calls(upstream) == calls  # the file's vectors were reused
    copied = await stored(app, kb)
    own = await stored(app, f"file-{done['id']}")
    assert len(copied) == len(own) == 2 and {f for _, f in copied} == {done["id"]}
    assert not {i for i, _ in copied} & {i for i, _ in own}
    again = await copy(client, people["alice"], done["id"], kb)
    assert again.status_code == 200 and len(await stored(app, kb)) == 2  # replaced
    found = await app.state.services.vectors.search(kb, [bag_of_words("beta")[:DIMS]],
                                                    limit=1)
    assert found.documents[0][0].endswith("beta words")


async def test_a_file_never_processed_is_processed_first(client, app, people):
    kb = await knowledge(app, people["alice_id"])
    body = await processed(client, people["alice"], "later.md", b"gamma words",
                           process="false")
    response = await copy(client, people["alice"], body["id"], kb)
    assert response.status_code == 200, response.text
    assert response.json()["content"] == "gamma words"
    assert len(await stored(app, kb)) == len(await stored(app, f"file-{body['id']}")) == 1


async def test_who_may_write_where(client, app, people):
    alice_kb = await knowledge(app, people["alice_id"])
    readable = await knowledge(app, people["alice_id"], ((people["bob_id"], "read"),))
    writable = await knowledge(app, people["alice_id"], ((people["bob_id"], "write"),))
    bobs = await processed(client, people["bob"], "bob.md", b"bob words")
    alices = await processed(client, people["alice"], "alice.md", b"alice words")
    for name in (alice_kb, readable, "my-notes", "knowledge-bases", f"file-{alices['id']}"):
        refused = await copy(client, people["bob"], bobs["id"], name)
        assert refused.status_code == 403, (name, refused.text)
        assert "permission" in refused.json()["detail"]
        assert bobs["id"] not in {f for _, f in await stored(app, name)}
    bad = await copy(client, people["bob"], bobs["id"], "bad name!")
    assert bad.status_code == 400 and "collection name" in bad.json()["detail"]
    foreign = await copy(client, people["bob"], alices["id"], writable)
    assert foreign.status_code == 404
    own = await copy(client, people["bob"], bobs["id"], f"file-{bobs['id']}")
    assert own.status_code == 200 and own.json()["collection_name"] == f"file-{bobs['id']}"
    granted = await copy(client, people["bob"], bobs["id"], writable)
    assert granted.status_code == 200 and len(await stored(app, writable)) == 1
    admin = await copy(client, people["admin"], bobs["id"], "my-notes")
    assert admin.status_code == 200 and len(await stored(app, "my-notes")) == 1
    system = await copy(client, people["admin"], bobs["id"], "knowledge-bases")
    assert system.status_code == 403
    bobs_now = (await client.get(f"/api/v1/files/{bobs['id']}",
                                 headers=bearer(people["bob"]))).json()
    assert bobs_now["data"]["status"] == "completed"  # refusals change nothing


async def test_duplicate_content_is_refused_and_the_file_failed(client, app, people):
    kb = await knowledge(app, people["alice_id"])
    first = await processed(client, people["alice"], "a.md", b"the same words")
    second = await processed(client, people["alice"], "b.md", b"the same words")
    assert (await copy(client, people["alice"], first["id"], kb)).status_code == 200
    refused = await copy(client, people["alice"], second["id"], kb)
    assert refused.status_code == 400
    assert refused.json()["detail"] == ("Duplicate content detected. Please provide unique "
                                        "content to proceed.")
    assert {f for _, f in await stored(app, kb)} == {first["id"]}
    failed = (await client.get(f"/api/v1/files/{second['id']}",
                               headers=bearer(people["alice"]))).json()
    assert failed["data"]["status"] == "failed" and "Duplicate" in failed["data"]["error"]
    assert await stored(app, f"file-{second['id']}") == []
    retried = await client.post(ROUTE, headers=bearer(people["alice"]),
                                json={"file_id": second["id"]})
    assert retried.status_code == 200 and len(await stored(app, f"file-{second['id']}")) == 1


async def test_vectors_of_another_dimension_leave_the_collection_as_it_was(
        client, app, people, upstream):
    kb = await knowledge(app, people["alice_id"])
    first = await processed(client, people["alice"], "a.md", b"first words")
    assert (await copy(client, people["alice"], first["id"], kb)).status_code == 200
    upstream.script(MODEL, dims=8)  # the model behind the name changed
    second = await processed(client, people["alice"], "b.md", b"second words")
    refused = await copy(client, people["alice"], second["id"], kb)
    assert refused.status_code == 400 and "dimensions" in refused.json()["detail"]
    assert {f for _, f in await stored(app, kb)} == {first["id"]}


async def test_content_replaces_the_text_and_is_indexed(client, app, people):
    done = await processed(client, people["alice"], "edit.md", b"old words")
    alice = bearer(people["alice"])
    response = await client.post(ROUTE, headers=alice, json={
        "file_id": done["id"], "content": "fresh sentence about comets"})
    assert response.status_code == 200, response.text
    assert response.json() == {"status": True, "collection_name": f"file-{done['id']}",
                               "filename": "edit.md", "content": "fresh sentence about comets"}
    found = await app.state.services.vectors.query(f"file-{done['id']}", {})
    assert found.documents == [["fresh sentence about comets"]]
    empty = await client.post(ROUTE, headers=alice, json={"file_id": done["id"],
                                                          "content": "  "})
    assert empty.status_code == 400 and "content provided is empty" in empty.json()["detail"]
    assert await stored(app, f"file-{done['id']}") == []
    kb = await knowledge(app, people["alice_id"])
    both = await copy(client, people["alice"], done["id"], kb, content="comets again")
    assert both.status_code == 200 and both.json()["content"] == "comets again"
    assert (await app.state.services.vectors.query(kb, {})).documents == [["comets again"]]


async def test_deleting_a_file_removes_its_chunks_from_knowledge_collections(client, app,
                                                                            people):
    kb = await knowledge(app, people["alice_id"])
    kept = await processed(client, people["alice"], "kept.md", b"kept words")
    gone = await processed(client, people["alice"], "gone.md", b"gone words")
    for file in (kept, gone):
        assert (await copy(client, people["alice"], file["id"], kb)).status_code == 200
    async with app.state.services.write_sessionmaker() as session:
        # The knowledge base's membership row, as its file/add route writes it.
        session.add(KnowledgeFileRow(id=str(uuid.uuid4()), knowledge_id=kb,
                                     file_id=gone["id"], user_id=people["alice_id"],
                                     created_at=1, updated_at=1))
        await session.commit()
    deleted = await client.delete(f"/api/v1/files/{gone['id']}",
                                  headers=bearer(people["alice"]))
    assert deleted.status_code == 200
    assert {f for _, f in await stored(app, kb)} == {kept["id"]}
    assert await stored(app, f"file-{gone['id']}") == []
