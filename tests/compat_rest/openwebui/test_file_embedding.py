"""Processing embeds a file's chunks into its collection `file-<id>` before the file is
`completed`, on SQLite and PostgreSQL, with embeddings from the scripted Ollama server:
the chunk metadata Open WebUI records, searchable by meaning; an embedding server that
is down, slow or answers vectors of the wrong dimension fails the file with the reason
and leaves none of its chunks in the collection, and processing again works; processing
again replaces earlier chunks; deleting the file drops its collection;
BYPASS_EMBEDDING_AND_RETRIEVAL keeps the text without vectors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from data.tables import FileChunkRow
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.files import upload, wait_processed
from tests.support.waiting import eventually

ROUTE = "/api/v1/retrieval/process/file"
NOTES = ("# Gardening\n\nTomatoes need sun and water every day.\n\n"
         "# Astronomy\n\nSaturn has rings made of ice and rock.\n")


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


async def vector_ids(app, collection: str) -> list[str]:
    async with app.state.services.sessionmaker() as session:
        return list((await session.execute(text(
            "SELECT id FROM parley_vector_chunk WHERE collection = :c ORDER BY id"),
            {"c": collection})).scalars())


async def chunk_rows(app, file_id: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(FileChunkRow).where(
            FileChunkRow.file_id == file_id))).scalar_one()


async def processed(client, token, name: str, content: bytes) -> dict:
    body = await upload(client, token, name, content, "text/markdown")
    return await wait_processed(client, token, body["id"])


async def test_chunks_are_embedded_with_open_webui_metadata(client, app, owner, upstream):
    done = await processed(client, owner, "notes.md", NOTES.encode())
    assert done["data"]["status"] == "completed", done["data"]
    collection = f"file-{done['id']}"
    assert done["meta"]["collection_name"] == collection  # as Open WebUI records it
    store = app.state.services.vectors
    found = await store.query(collection, {"file_id": done["id"]})
    assert len(found.ids[0]) == await chunk_rows(app, done["id"]) == 2
    meta = found.metadatas[0][0]
    assert {k: meta[k] for k in ("name", "source", "file_id", "created_by", "hash")} == {
        "name": "notes.md", "source": "notes.md", "file_id": done["id"],
        "created_by": done["user_id"], "hash": done["hash"]}
    assert all(isinstance(m["start_index"], int) for m in found.metadatas[0])
    assert found.metadatas[0][1]["Header 1"] == "Astronomy"
    assert meta["embedding_config"] == {"engine": "ollama", "model": MODEL}
    embedded = [r.body for r in upstream.requests if r.path == "/api/embed"]
    assert embedded and all("\n" not in t for b in embedded for t in b["input"])
    nearest = await store.search(collection, [bag_of_words("rings of Saturn")[:DIMS]],
                                 limit=1)
    assert nearest.documents[0][0].startswith("# Astronomy")


async def test_processing_again_replaces_earlier_chunks(client, app, owner):
    done = await processed(client, owner, "notes.md", NOTES.encode())
    before = await vector_ids(app, f"file-{done['id']}")
    again = await client.post(ROUTE, headers=bearer(owner), json={"file_id": done["id"]})
    assert again.status_code == 200, again.text
    after = await vector_ids(app, f"file-{done['id']}")
    assert len(after) == len(before) == 2 and not set(after) & set(before)


async def _break(upstream, fault: str) -> None:
    if fault == "down":
        await upstream.__aexit__(None, None, None)
    elif fault == "refusing":
        upstream.script(MODEL, dims=DIMS, status=500, error_message="model crashed")
    elif fault == "slow":  # RAG_EMBEDDING_TIMEOUT is 1 s
        upstream.script(MODEL, dims=DIMS, first_delay=3)
    else:  # a vector of another dimension among the others
        upstream.vectorize = lambda t: bag_of_words(t)[:8] if "Saturn" in t else \
            bag_of_words(t)


async def _repair(upstream, fault: str) -> None:
    if fault == "down":
        await upstream.__aenter__()  # on the same port
    upstream.script(MODEL, dims=DIMS)
    upstream.vectorize = bag_of_words


@pytest.mark.parametrize("fault, reason", [
    ("down", "embedding server"), ("refusing", "model crashed"),
    ("slow", "did not answer within 1 s"), ("wrong_dimension", "dimensions"),
])
async def test_a_failing_embedding_server_fails_the_file_and_keeps_nothing(
        client, app, owner, upstream, fault, reason):
    done = await processed(client, owner, "notes.md", NOTES.encode())
    collection = f"file-{done['id']}"
    assert len(await vector_ids(app, collection)) == 2
    await _break(upstream, fault)
    failed = await client.post(ROUTE, headers=bearer(owner), json={"file_id": done["id"]})
    assert failed.status_code == 400 and reason in failed.json()["detail"], failed.text
    file = (await client.get(f"/api/v1/files/{done['id']}", headers=bearer(owner))).json()
    assert file["data"]["status"] == "failed" and reason in file["data"]["error"]
    assert "collection_name" not in file["meta"]
    assert await vector_ids(app, collection) == [] and await chunk_rows(app, done["id"]) == 0
    assert not await app.state.services.vectors.has_collection(collection)
    await _repair(upstream, fault)
    retried = await client.post(ROUTE, headers=bearer(owner), json={"file_id": done["id"]})
    assert retried.status_code == 200, retried.text
    assert retried.json()["collection_name"] == collection
    assert len(await vector_ids(app, collection)) == 2


async def test_a_new_upload_with_the_embedding_server_down_fails(client, app, owner,
                                                                 upstream):
    await upstream.__aexit__(None, None, None)
    done = await processed(client, owner, "notes.md", NOTES.encode())
    assert done["data"]["status"] == "failed" and "embedding server" in done["data"]["error"]
    assert await vector_ids(app, f"file-{done['id']}") == []
    assert await chunk_rows(app, done["id"]) == 0


async def test_deleting_a_file_drops_its_collection(client, app, owner):
    done = await processed(client, owner, "notes.md", NOTES.encode())
    assert await app.state.services.vectors.has_collection(f"file-{done['id']}")
    deleted = await client.delete(f"/api/v1/files/{done['id']}", headers=bearer(owner))
    assert deleted.status_code == 200
    assert not await app.state.services.vectors.has_collection(f"file-{done['id']}")
    assert await vector_ids(app, f"file-{done['id']}") == []


async def test_deleting_every_file_drops_their_collections(client, app, owner, accounts):
    first = await processed(client, owner, "a.md", b"alpha words")
    second = await processed(client, owner, "b.md", b"beta words")
    response = await client.delete("/api/v1/files/all", headers=bearer(accounts.admin_token))
    assert response.status_code == 200
    for file in (first, second):
        assert await vector_ids(app, f"file-{file['id']}") == []


class TestBypass:
    @pytest.fixture
    def env_overrides(self, upstream) -> dict[str, str]:
        return {**embedding_env(upstream.url), "BYPASS_EMBEDDING_AND_RETRIEVAL": "true"}

    async def test_text_is_kept_without_vectors(self, client, app, owner, upstream,
                                                accounts):
        done = await processed(client, owner, "notes.md", NOTES.encode())
        assert done["data"]["status"] == "completed" and done["data"]["content"] == NOTES
        assert "collection_name" not in done["meta"]
        assert await chunk_rows(app, done["id"]) == 2
        assert await vector_ids(app, f"file-{done['id']}") == []
        again = await client.post(ROUTE, headers=bearer(owner), json={"file_id": done["id"]})
        assert again.status_code == 200, again.text
        assert again.json()["collection_name"] is None
        named = await client.post(ROUTE, headers=bearer(accounts.admin_token), json={
            "file_id": done["id"], "collection_name": "shared-notes"})
        assert named.status_code == 200 and named.json()["collection_name"] is None
        assert await vector_ids(app, "shared-notes") == []
        assert not [r for r in upstream.requests if r.path == "/api/embed"]


class TestDeletedWhileEmbedded:
    @pytest.fixture
    def env_overrides(self, upstream) -> dict[str, str]:
        return {**embedding_env(upstream.url), "RAG_EMBEDDING_TIMEOUT": "30"}

    async def test_its_vectors_do_not_outlive_it(self, client, app, owner, upstream):
        upstream.script(MODEL, dims=DIMS, first_delay=2)  # deleted during these 2 s
        body = await upload(client, owner, "notes.md", NOTES.encode(), "text/markdown")

        async def embedding() -> bool:
            return any(r.path == "/api/embed" for r in upstream.requests)

        async def finished() -> bool:
            return not app.state.services.background

        await eventually(embedding, 30)
        deleted = await client.delete(f"/api/v1/files/{body['id']}", headers=bearer(owner))
        assert deleted.status_code == 200
        await eventually(finished, 30)
        assert await vector_ids(app, f"file-{body['id']}") == []
