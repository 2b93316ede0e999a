"""An upload whose `metadata` names a knowledge base (Open WebUI's `knowledge_id`), on
SQLite and PostgreSQL with the scripted embedding server: write access is checked before
anything is stored, the file joins the knowledge base once processed (searchable in its
collection), and a join that fails afterwards is the file's `data.error`, not a 500."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.compat_rest.openwebui.test_knowledge import V1, allow_knowledge, create
from tests.compat_rest.openwebui.test_knowledge_files import chunks_in, links
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, embedding_env
from tests.support.files import upload, wait_processed
from tests.support.waiting import eventually

BOATS = "Sailing boats need wind. A keel keeps the boat upright in strong wind."


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return {**embedding_env(upstream.url), "RAG_EMBEDDING_TIMEOUT": "10"}


@pytest.fixture
async def people(accounts, client):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com", name="Alice")
    bob = await accounts.user("bob@example.com", name="Bob")
    found = {"admin": bearer(admin["token"]), "alice": bearer(alice["token"]),
             "bob": bearer(bob["token"]), "alice_token": alice["token"],
             "bob_token": bob["token"], "bob_id": bob["id"]}
    await allow_knowledge(client, found)
    return found


def metadata(**fields) -> dict[str, str]:
    return {"metadata": json.dumps(fields)}


async def file_rows(app) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(text("SELECT count(*) FROM file"))).scalar_one()


async def test_an_upload_naming_a_knowledge_base_joins_it_once_processed(app, client,
                                                                         people):
    alice = people["alice"]
    kb = (await create(client, alice))["id"]
    response = await client.post("/api/v1/files/", headers=alice, data=metadata(
        knowledge_id=kb), files={"file": ("boats.txt", BOATS.encode(), "text/plain")})
    assert response.status_code == 200, response.text
    file_id = response.json()["id"]
    assert response.json()["meta"]["data"] == {"knowledge_id": kb}
    done = await wait_processed(client, people["alice_token"], file_id)
    assert done["data"]["status"] == "completed", done

    async def joined() -> bool:
        return await links(app, kb) == 1

    await eventually(joined, 10)
    assert await chunks_in(app, kb, file_id) >= 1
    listed = (await client.get(f"{V1}/{kb}/files", headers=alice)).json()
    assert [f["id"] for f in listed["items"]] == [file_id]
    found = await client.post("/api/v1/retrieval/query/doc", headers=alice, json={
        "collection_name": kb, "query": "keel boat wind", "k": 1})
    assert found.json()["metadatas"][0][0]["file_id"] == file_id
    assert "error" not in (await wait_processed(client, people["alice_token"],
                                                file_id))["data"]


@pytest.mark.parametrize("case", ["foreign", "unknown", "unprocessed", "malformed"])
async def test_an_upload_into_a_knowledge_base_it_may_not_write_stores_nothing(
        app, client, people, case):
    kb = (await create(client, people["alice"]))["id"]
    fields, params = {"knowledge_id": kb}, {}
    if case == "unknown":
        fields = {"knowledge_id": "no-such-knowledge"}
    elif case == "unprocessed":
        params = {"process": "false"}
    elif case == "malformed":
        fields = {"knowledge_id": ["a", "list"]}
    who = people["alice"] if case in ("unprocessed", "malformed") else people["bob"]
    before = await file_rows(app)
    response = await client.post("/api/v1/files/", headers=who, params=params,
                                 data=metadata(**fields),
                                 files={"file": ("boats.txt", BOATS.encode(), "text/plain")})
    assert response.status_code in ((400,) if case in ("unprocessed", "malformed")
                                    else (401, 403, 404)), response.text
    assert "detail" in response.json()
    assert await file_rows(app) == before
    assert not list((app.state.services.settings.files.uploads_dir).glob("*boats*"))
    assert await links(app, kb) == 0


async def test_a_join_that_fails_after_processing_is_the_files_error(app, client, people,
                                                                      upstream):
    alice = people["alice"]
    kb = (await create(client, alice))["id"]
    upstream.script(MODEL, dims=DIMS, first_delay=1.0)  # time to delete the knowledge base
    body = await upload(client, people["alice_token"], "boats.txt", BOATS.encode(),
                        **{})
    assert body  # an upload without metadata is unaffected
    response = await client.post("/api/v1/files/", headers=alice, data=metadata(
        knowledge_id=kb), files={"file": ("sails.txt", BOATS.encode(), "text/plain")})
    assert response.status_code == 200, response.text
    file_id = response.json()["id"]
    assert (await client.delete(f"{V1}/{kb}/delete", headers=alice)).json() is True

    state: dict = {}

    async def recorded() -> bool:
        state.update(await wait_processed(client, people["alice_token"], file_id))
        return bool(state["data"].get("error"))

    await eventually(recorded, 20)
    assert state["data"]["status"] == "completed"
    assert "knowledge base" in state["data"]["error"]
    assert await links(app, kb) == 0 and await chunks_in(app, kb) == 0
