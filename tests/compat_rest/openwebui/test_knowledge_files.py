"""A knowledge base's files over Open WebUI's routes, on SQLite and PostgreSQL, with
embeddings from the scripted Ollama server: a processed file added is searchable in the
collection named by the knowledge id; removing it, resetting or deleting the knowledge
base removes its chunks; an embedding upstream that is down links nothing and leaves no
chunk; foreign, unknown and unprocessed files are refused."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from resolvers.context import Context
from resolvers.retrieval.search import search
from tests.compat_rest.openwebui.test_knowledge import (
    ACCESS_PROHIBITED,
    NOT_FOUND,
    V1,
    allow_knowledge,
    create,
)
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, embedding_env
from tests.support.files import upload, wait_processed

BOATS = "Sailing boats need wind. A keel keeps the boat upright in strong wind."
BREAD = "Bread needs flour, water, yeast and salt. Knead the dough and bake it."



@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    """The shared machine can be slow to answer a first embedding; these tests are not
    about timeouts, so they allow more than the fixtures' 1 s."""
    return {**embedding_env(upstream.url), "RAG_EMBEDDING_TIMEOUT": "10"}

@pytest.fixture
async def people(accounts, client):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com", name="Alice")
    bob = await accounts.user("bob@example.com", name="Bob")
    found = {"admin": bearer(admin["token"]), "alice": bearer(alice["token"]),
             "bob": bearer(bob["token"]), "alice_token": alice["token"],
             "bob_token": bob["token"], "alice_id": alice["id"], "bob_id": bob["id"]}
    await allow_knowledge(client, found)
    return found


async def processed(client, token: str, name: str, content: str) -> str:
    body = await upload(client, token, name, content.encode())
    done = await wait_processed(client, token, body["id"])
    assert done["data"]["status"] == "completed", done
    return body["id"]


async def chunks_in(app, collection: str, file_id: str | None = None) -> int:
    sql = "SELECT metadata FROM parley_vector_chunk WHERE collection = :c"
    async with app.state.services.sessionmaker() as session:
        rows = (await session.execute(text(sql), {"c": collection})).scalars().all()
    if file_id is None:
        return len(rows)
    return sum(1 for meta in rows if file_id in str(meta))


async def links(app, knowledge_id: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(text(
            "SELECT count(*) FROM knowledge_file WHERE knowledge_id = :k"),
            {"k": knowledge_id})).scalar_one()


async def found_texts(app, knowledge_id: str, query: str) -> list[str]:
    ctx = Context(app.state.services)
    async with ctx.unit_of_work():
        return [c.text for c in await search(ctx, [knowledge_id], query, k=3, hybrid=False)]


async def test_an_added_file_is_searchable_and_removing_it_drops_its_chunks(app, client,
                                                                            people):
    alice = people["alice"]
    kb = (await create(client, alice, "Hobbies"))["id"]
    boats = await processed(client, people["alice_token"], "boats.txt", BOATS)
    bread = await processed(client, people["alice_token"], "bread.txt", BREAD)

    added = await client.post(f"{V1}/{kb}/file/add", headers=alice, json={"file_id": boats})
    assert added.status_code == 200, added.text
    assert [f["id"] for f in added.json()["files"]] == [boats]
    assert set(added.json()["files"][0]) == {"id", "hash", "meta", "created_at", "updated_at"}
    batch = await client.post(f"{V1}/{kb}/files/batch/add", headers=alice,
                              json=[{"file_id": bread}])
    assert batch.status_code == 200, batch.text
    assert {f["id"] for f in batch.json()["files"]} == {boats, bread}

    assert (await found_texts(app, kb, "keel of a boat in wind"))[0] == BOATS
    assert (await found_texts(app, kb, "knead dough with yeast"))[0] == BREAD
    listed = (await client.get(f"{V1}/", headers=alice)).json()["items"][0]
    assert listed["file_count"] == 2
    page = (await client.get(f"{V1}/{kb}/files", headers=alice)).json()
    assert page["total"] == 2 and page["directories"] == [] and page["breadcrumbs"] == []
    item = next(i for i in page["items"] if i["id"] == boats)
    assert item["filename"] == "boats.txt" and item["user"]["id"] == people["alice_id"]
    assert "content" not in (item["data"] or {}) and item["path"] is None
    searched = (await client.get(f"{V1}/{kb}/files", headers=alice,
                                 params={"query": "brea"})).json()
    assert [i["id"] for i in searched["items"]] == [bread]

    again = await client.post(f"{V1}/{kb}/file/add", headers=alice, json={"file_id": boats})
    assert again.status_code == 400 and await links(app, kb) == 2

    # Re-embedding keeps one set of chunks for the file.
    before = await chunks_in(app, kb, boats)
    updated = await client.post(f"{V1}/{kb}/file/update", headers=alice,
                                json={"file_id": boats})
    assert updated.status_code == 200, updated.text
    assert await chunks_in(app, kb, boats) == before > 0

    kept = await client.post(f"{V1}/{kb}/file/remove", headers=alice,
                             params={"delete_file": "false"}, json={"file_id": boats})
    assert kept.status_code == 200, kept.text
    assert [f["id"] for f in kept.json()["files"]] == [bread]
    assert await chunks_in(app, kb, boats) == 0 and await chunks_in(app, kb, bread) > 0
    assert BOATS not in await found_texts(app, kb, "keel of a boat in wind")
    assert (await client.get(f"/api/v1/files/{boats}", headers=alice)).status_code == 200
    # By default the file itself goes too, when the caller owns it.
    removed = await client.post(f"{V1}/{kb}/file/remove", headers=alice,
                                json={"file_id": bread})
    assert removed.status_code == 200 and removed.json()["files"] == []
    assert await chunks_in(app, kb) == 0
    assert (await client.get(f"/api/v1/files/{bread}", headers=alice)).status_code == 404
    not_in = await client.post(f"{V1}/{kb}/file/remove", headers=alice,
                               json={"file_id": bread})
    assert not_in.status_code == 400 and not_in.json() == {"detail": NOT_FOUND}


async def test_delete_and_reset_remove_the_collection(app, client, people):
    alice = people["alice"]
    kb = (await create(client, alice, "Kitchen"))["id"]
    bread = await processed(client, people["alice_token"], "bread.txt", BREAD)
    await client.post(f"{V1}/{kb}/file/add", headers=alice, json={"file_id": bread})
    assert await chunks_in(app, kb) > 0
    reset = await client.post(f"{V1}/{kb}/reset", headers=alice)
    assert reset.status_code == 200 and reset.json()["files"] == []
    assert await chunks_in(app, kb) == 0 and await links(app, kb) == 0
    await client.post(f"{V1}/{kb}/file/add", headers=alice, json={"file_id": bread})
    assert await chunks_in(app, kb) > 0
    assert (await client.delete(f"{V1}/{kb}/delete", headers=alice)).json() is True
    assert await chunks_in(app, kb) == 0 and await links(app, kb) == 0
    assert not await app.state.services.vectors.has_collection(kb)
    # The file itself stays.
    assert (await client.get(f"/api/v1/files/{bread}", headers=alice)).status_code == 200


async def test_embedding_upstream_down_links_nothing(app, client, people, upstream):
    alice = people["alice"]
    kb = (await create(client, alice))["id"]
    boats = await processed(client, people["alice_token"], "boats.txt", BOATS)
    upstream.script(MODEL, dims=DIMS, status=503, error_message="overloaded")
    down = await client.post(f"{V1}/{kb}/file/add", headers=alice, json={"file_id": boats})
    assert down.status_code == 503 and "overloaded" in down.json()["detail"]
    assert await links(app, kb) == 0 and await chunks_in(app, kb) == 0
    await upstream.__aexit__(None, None, None)  # the server stops: connections are refused
    gone = await client.post(f"{V1}/{kb}/files/batch/add", headers=alice,
                             json=[{"file_id": boats}])
    assert gone.status_code in (502, 503) and isinstance(gone.json()["detail"], str)
    assert await links(app, kb) == 0 and await chunks_in(app, kb) == 0
    files = (await client.get(f"{V1}/{kb}/files", headers=alice)).json()
    assert files == {"items": [], "directories": [], "breadcrumbs": [], "total": 0}


async def test_a_failed_re_embedding_keeps_the_old_chunks(app, client, people, upstream):
    alice = people["alice"]
    kb = (await create(client, alice))["id"]
    boats = await processed(client, people["alice_token"], "boats.txt", BOATS)
    assert (await client.post(f"{V1}/{kb}/file/add", headers=alice,
                              json={"file_id": boats})).status_code == 200
    before = await chunks_in(app, kb, boats)
    upstream.script(MODEL, dims=DIMS, status=503, error_message="overloaded")
    down = await client.post(f"{V1}/{kb}/file/update", headers=alice, json={"file_id": boats})
    assert down.status_code == 503 and "overloaded" in down.json()["detail"]
    assert await chunks_in(app, kb, boats) == before > 0 and await links(app, kb) == 1
    upstream.script(MODEL, dims=DIMS)
    assert (await found_texts(app, kb, "keel of a boat in wind")) == [BOATS]


async def test_foreign_unknown_and_unprocessed_files_are_refused(app, client, people):
    alice, bob = people["alice"], people["bob"]
    kb = (await create(client, alice))["id"]
    bobs = await processed(client, people["bob_token"], "secret.txt", BREAD)
    foreign = await client.post(f"{V1}/{kb}/file/add", headers=alice, json={"file_id": bobs})
    assert foreign.status_code == 403 and foreign.json() == {"detail": ACCESS_PROHIBITED}
    unknown = await client.post(f"{V1}/{kb}/file/add", headers=alice,
                                json={"file_id": str(uuid.uuid4())})
    assert unknown.status_code == 400 and unknown.json() == {"detail": NOT_FOUND}
    raw = (await upload(client, people["alice_token"], "raw.txt", b"not processed",
                        process="false"))["id"]
    unprocessed = await client.post(f"{V1}/{kb}/file/add", headers=alice,
                                    json={"file_id": raw})
    assert unprocessed.status_code == 400
    assert "processed" in unprocessed.json()["detail"]
    mixed = await client.post(f"{V1}/{kb}/files/batch/add", headers=alice,
                              json=[{"file_id": raw}, {"file_id": bobs}])
    assert mixed.status_code in (400, 403)
    missing = await client.post(f"{V1}/{kb}/file/add", headers=alice, json={})
    assert missing.status_code == 422
    nul = await client.post(f"{V1}/{kb}/file/add", headers=alice,
                            json={"file_id": "a\u0000b"})
    assert nul.status_code in (400, 422)
    assert await links(app, kb) == 0 and await chunks_in(app, kb) == 0
    # Bob may not add his file to Alice's knowledge base either.
    theirs = await client.post(f"{V1}/{kb}/file/add", headers=bob, json={"file_id": bobs})
    assert theirs.status_code == 400 and theirs.json() == {"detail": ACCESS_PROHIBITED}


async def test_the_same_file_added_twice_at_once_is_linked_once(app, client, people):
    alice = people["alice"]
    kb = (await create(client, alice))["id"]
    boats = await processed(client, people["alice_token"], "boats.txt", BOATS)
    both = await asyncio.gather(*(client.post(f"{V1}/{kb}/file/add", headers=alice,
                                              json={"file_id": boats}) for _ in range(2)))
    assert sorted(r.status_code for r in both) == [200, 400], [r.text for r in both]
    assert await links(app, kb) == 1
    single = await chunks_in(app, kb, boats)
    await client.post(f"{V1}/{kb}/file/remove", headers=alice, params={"delete_file": "false"},
                      json={"file_id": boats})
    await client.post(f"{V1}/{kb}/file/add", headers=alice, json={"file_id": boats})
    assert await chunks_in(app, kb, boats) == single  # none left over from the loser


async def test_odd_ids_are_refused_with_4xx(client, people):
    alice = people["alice"]
    # NUL never reaches a route (the edge refuses it); a long id is simply not found.
    nul = await client.get(f"{V1}/a%00b", headers=alice)
    assert nul.status_code == 400, nul.text
    long = "x" * 300
    read = await client.get(f"{V1}/{long}", headers=alice)
    assert read.status_code == 404 and read.json() == {"detail": NOT_FOUND}
    added = await client.post(f"{V1}/{long}/file/add", headers=alice, json={"file_id": "f"})
    assert added.status_code == 400 and added.json() == {"detail": NOT_FOUND}
    kb = (await create(client, alice))["id"]
    removed = await client.post(f"{V1}/{kb}/file/remove", headers=alice,
                                json={"file_id": long})
    assert removed.status_code == 400 and removed.json() == {"detail": NOT_FOUND}
