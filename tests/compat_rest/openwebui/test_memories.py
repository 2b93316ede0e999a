"""Open WebUI's `/api/v1/memories` routes and the documented `/api/memory` routes on
SQLite and PostgreSQL, with embeddings from the scripted Ollama server: CRUD, search by
meaning over the caller's own memories only, foreign ids answered like missing ones, bad
input refused with 4xx, and a failing embedding upstream leaving nothing written."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from data.vectors import Item
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, bag_of_words

V1 = "/api/v1/memories"
NOT_FOUND = "We could not find what you're looking for :/"


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com")
    bob = await accounts.user("bob@example.com")
    return {"admin": bearer(admin["token"]), "alice": bearer(alice["token"]),
            "bob": bearer(bob["token"]), "alice_id": alice["id"], "bob_id": bob["id"]}


async def _stored(app, user_id: str) -> tuple[int, int]:
    """(memory rows, vectors in the user's collection), read from the database."""
    async with app.state.services.sessionmaker() as session:
        rows = (await session.execute(text("SELECT count(*) FROM memory WHERE user_id = :u"),
                                      {"u": user_id})).scalar_one()
        vectors = (await session.execute(text(
            "SELECT count(*) FROM parley_vector_chunk WHERE collection = :c"),
            {"c": f"user-memory-{user_id}"})).scalar_one()
    return rows, vectors


async def _add(client, who, content, **extra):
    response = await client.post(f"{V1}/add", headers=who, json={"content": content, **extra})
    assert response.status_code == 200, response.text
    return response.json()


async def test_crud_through_the_open_webui_routes(app, client, people):
    alice = people["alice"]
    first = await _add(client, alice, "  I live in Lisbon  ", path="/home//city/")
    assert first["content"] == "I live in Lisbon" and first["type"] == "context"
    assert first["path"] == "home/city" and first["user_id"] == people["alice_id"]
    assert first["meta"] == {"created_by": "manual"}
    assert isinstance(first["created_at"], int) and first["created_at"] == first["updated_at"]
    second = await _add(client, alice, "My cat is called Tom", type="user")
    listed = (await client.get(f"{V1}/", headers=alice)).json()
    assert {m["id"] for m in listed} == {first["id"], second["id"]}
    assert await _stored(app, people["alice_id"]) == (2, 2)

    changed = await client.post(f"{V1}/{second['id']}/update", headers=alice,
                                json={"content": "My dog is called Rex"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["content"] == "My dog is called Rex"
    assert changed.json()["type"] == "user"
    found = (await client.post(f"{V1}/query", headers=alice,
                               json={"content": "dog called", "k": 1})).json()
    assert found["ids"] == [[second["id"]]]
    assert found["documents"] == [["My dog is called Rex"]]
    assert found["metadatas"][0][0]["type"] == "user"

    deleted = await client.delete(f"{V1}/{first['id']}", headers=alice)
    assert deleted.status_code == 200 and deleted.json() is True
    again = await client.delete(f"{V1}/{first['id']}", headers=alice)
    assert again.status_code == 200 and again.json() is False
    assert await _stored(app, people["alice_id"]) == (1, 1)

    cleared = await client.delete(f"{V1}/delete/user", headers=alice)
    assert cleared.status_code == 200 and cleared.json() is True
    assert (await client.get(f"{V1}/", headers=alice)).json() == []
    assert await _stored(app, people["alice_id"]) == (0, 0)
    empty = await client.post(f"{V1}/query", headers=alice, json={"content": "dog"})
    assert empty.status_code == 404 and empty.json() == {"detail": NOT_FOUND}


async def test_the_documented_short_routes_use_the_same_memories(client, people):
    alice = people["alice"]
    made = await client.post("/api/memory", headers=alice, json={"content": "I like tea"})
    assert made.status_code == 200, made.text
    memory_id = made.json()["id"]
    assert [m["id"] for m in (await client.get("/api/memory", headers=alice)).json()] == [
        memory_id]
    one = await client.get(f"/api/memory/{memory_id}", headers=alice)
    assert one.status_code == 200 and one.json()["content"] == "I like tea"
    updated = await client.post(f"/api/memory/{memory_id}", headers=alice,
                                json={"content": "I like green tea"})
    assert updated.json()["content"] == "I like green tea"
    found = await client.post("/api/memory/query", headers=alice,
                              json={"content": "green tea"})
    assert found.json()["ids"] == [[memory_id]]
    assert (await client.get(f"{V1}/", headers=alice)).json()[0]["content"] == \
        "I like green tea"
    assert (await client.delete(f"/api/memory/{memory_id}", headers=alice)).json() is True
    missing = await client.get(f"/api/memory/{memory_id}", headers=alice)
    assert missing.status_code == 404 and missing.json() == {"detail": NOT_FOUND}


async def test_query_ranks_by_meaning_best_first(client, people):
    alice = people["alice"]
    texts = ["I work as a nurse in a hospital", "My favourite colour is green",
             "I am allergic to peanuts", "My sister lives in Berlin"]
    ids = [(await _add(client, alice, t))["id"] for t in texts]
    response = await client.post(f"{V1}/query", headers=alice,
                                 json={"content": "which colour is my favourite", "k": 3})
    found = response.json()
    assert found["ids"][0][0] == ids[1]
    assert len(found["ids"][0]) == 3
    distances = found["distances"][0]
    assert distances == sorted(distances, reverse=True) and 0.5 < distances[0] <= 1.0
    # k defaults to 1, as Open WebUI's does.
    nearest = (await client.post(f"{V1}/query", headers=alice,
                                 json={"content": "peanuts allergy"})).json()
    assert nearest["ids"] == [[ids[2]]]


async def test_users_never_see_or_touch_each_others_memories(app, client, people):
    alice, bob = people["alice"], people["bob"]
    secret = await _add(client, alice, "My bank PIN hint is the year of the moon landing")
    await _add(client, bob, "I play the cello")
    assert [m["content"] for m in (await client.get(f"{V1}/", headers=bob)).json()] == [
        "I play the cello"]
    found = (await client.post(f"{V1}/query", headers=bob,
                               json={"content": "bank PIN moon landing", "k": 5})).json()
    assert found["documents"] == [["I play the cello"]]
    # Another user's id is answered exactly like a missing one, on every route.
    foreign = secret["id"]
    for method, path, body in (("POST", f"{V1}/{foreign}/update", {"content": "x"}),
                               ("GET", f"/api/memory/{foreign}", None),
                               ("POST", f"/api/memory/{foreign}", {"content": "x"})):
        response = await client.request(method, path, headers=bob, json=body)
        assert response.status_code == 404 and response.json() == {"detail": NOT_FOUND}
    gone = await client.delete(f"{V1}/{foreign}", headers=bob)
    assert gone.status_code == 200 and gone.json() is False
    assert (await client.delete(f"{V1}/delete/user", headers=bob)).json() is True
    assert await _stored(app, people["alice_id"]) == (1, 1)
    assert [m["content"] for m in (await client.get(f"{V1}/", headers=alice)).json()] == [
        secret["content"]]


async def test_bad_input_is_a_clear_4xx_and_writes_nothing(app, client, people):
    alice = people["alice"]
    kept = await _add(client, alice, "I like chess")
    cases = [
        (f"{V1}/add", {"content": "   "}, 400),
        (f"{V1}/add", {"content": "x" * 20_001}, 400),
        (f"{V1}/add", {"content": "fine", "type": "diary"}, 400),
        (f"{V1}/add", {"content": "fine", "path": "a/../b"}, 400),
        (f"{V1}/add", {"content": "fine", "path": "a\tb"}, 400),
        (f"{V1}/add", {"content": 42}, 422),
        (f"{V1}/add", {}, 422),
        (f"{V1}/{kept['id']}/update", {}, 400),
        (f"{V1}/{kept['id']}/update", {"content": ""}, 400),
        (f"{V1}/query", {"content": ""}, 400),
        (f"{V1}/query", {"content": "chess", "k": 0}, 400),
        (f"{V1}/query", {"content": "chess", "k": "3"}, 422),
    ]
    for path, body, status in cases:
        response = await client.post(path, headers=alice, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert "detail" in response.json()
    broken = await client.post(f"{V1}/add", content=b"{not json",
                               headers={**alice, "Content-Type": "application/json"})
    assert broken.status_code in (400, 422) and "detail" in broken.json()
    assert await _stored(app, people["alice_id"]) == (1, 1)
    assert (await client.get(f"{V1}/", headers=alice)).json()[0]["content"] == "I like chess"
    # The longest allowed memory is kept whole.
    longest = await _add(client, alice, "y" * 20_000)
    assert len(longest["content"]) == 20_000


async def test_signed_out_and_pending_callers_are_refused(client, accounts, people):
    assert (await client.get(f"{V1}/")).status_code == 401
    pending = await accounts.user("pat@example.com", role="pending")
    response = await client.post(f"{V1}/add", headers=bearer(pending["token"]),
                                 json={"content": "hello"})
    assert response.status_code == 401


async def test_a_failing_embedding_upstream_leaves_nothing_written(app, client, people,
                                                                  upstream):
    alice = people["alice"]
    kept = await _add(client, alice, "I like chess")
    upstream.script(MODEL, dims=DIMS, status=503, error_message="overloaded")
    down = await client.post(f"{V1}/add", headers=alice, json={"content": "I like go"})
    assert down.status_code == 503 and "overloaded" in down.json()["detail"]
    update = await client.post(f"{V1}/{kept['id']}/update", headers=alice,
                               json={"content": "I like draughts"})
    assert update.status_code == 503
    upstream.script(MODEL, dims=DIMS, first_delay=1.5)  # beyond RAG_EMBEDDING_TIMEOUT
    slow = await client.post(f"{V1}/add", headers=alice, json={"content": "I like go"})
    assert slow.status_code == 504 and isinstance(slow.json()["detail"], str)
    upstream.script(MODEL, dims=32)  # another model: vectors of another size
    wrong = await client.post(f"{V1}/add", headers=alice, json={"content": "I like go"})
    assert wrong.status_code == 502 and "re-index" in wrong.json()["detail"]
    changed = await client.post(f"{V1}/{kept['id']}/update", headers=alice,
                                json={"content": "I like draughts"})
    assert changed.status_code == 502
    assert await _stored(app, people["alice_id"]) == (1, 1)
    upstream.script(MODEL, dims=DIMS)
    listed = (await client.get(f"{V1}/", headers=alice)).json()
    assert [m["content"] for m in listed] == ["I like chess"]
    found = (await client.post(f"{V1}/query", headers=alice,
                               json={"content": "chess"})).json()
    assert found["documents"] == [["I like chess"]]


async def test_reset_embeds_every_memory_again(app, client, people, upstream):
    alice = people["alice"]
    ids = [(await _add(client, alice, t))["id"] for t in ("I like chess", "I own a boat")]
    # The model changes (another dimension): searches fail until the memories are reset.
    upstream.script(MODEL, dims=32)
    assert (await client.post(f"{V1}/query", headers=alice,
                              json={"content": "boat"})).status_code == 502
    reset = await client.post(f"{V1}/reset", headers=alice)
    assert reset.status_code == 200 and reset.json() is True
    found = (await client.post(f"{V1}/query", headers=alice,
                               json={"content": "own a boat"})).json()
    assert found["ids"] == [[ids[1]]]
    assert await _stored(app, people["alice_id"]) == (2, 2)
    # A reset whose embeddings fail keeps the collection as it was.
    upstream.script(MODEL, dims=32, status=500)
    assert (await client.post(f"{V1}/reset", headers=alice)).status_code >= 500
    upstream.script(MODEL, dims=32)
    assert (await client.post(f"{V1}/query", headers=alice,
                              json={"content": "chess"})).json()["ids"] == [[ids[0]]]


async def test_an_embedding_upstream_that_is_gone_writes_nothing(app, client, people,
                                                                 upstream):
    alice = people["alice"]
    kept = await _add(client, alice, "I like chess")
    await upstream.__aexit__(None, None, None)  # the server stops: connections are refused
    added = await client.post(f"{V1}/add", headers=alice, json={"content": "I like go"})
    assert added.status_code in (502, 503) and isinstance(added.json()["detail"], str)
    changed = await client.post(f"{V1}/{kept['id']}/update", headers=alice,
                                json={"content": "I like go"})
    assert changed.status_code in (502, 503)
    searched = await client.post(f"{V1}/query", headers=alice, json={"content": "chess"})
    assert searched.status_code in (502, 503)
    assert await _stored(app, people["alice_id"]) == (1, 1)
    listed = (await client.get(f"{V1}/", headers=alice)).json()
    assert [(m["content"], m["updated_at"]) for m in listed] == [
        ("I like chess", kept["updated_at"])]
    # Deleting needs no embedding: it still works.
    assert (await client.delete(f"{V1}/{kept['id']}", headers=alice)).json() is True
    assert await _stored(app, people["alice_id"]) == (0, 0)


async def test_accounts_without_the_memories_permission_are_refused(client, people):
    admin, alice = people["admin"], people["alice"]
    defaults = (await client.get("/api/v1/users/default/permissions", headers=admin)).json()
    defaults["features"]["memories"] = False
    saved = await client.post("/api/v1/users/default/permissions", headers=admin,
                              json=defaults)
    assert saved.status_code == 200, saved.text
    for method, path, body in (("GET", V1, None), ("POST", f"{V1}/add", {"content": "x"}),
                               ("POST", "/api/memory/query", {"content": "x"})):
        response = await client.request(method, path, headers=alice, json=body)
        assert response.status_code == 403, response.text
        assert "permission" in response.json()["detail"]
    # Administrators keep them.
    assert (await client.post(f"{V1}/add", headers=admin,
                              json={"content": "I run this server"})).status_code == 200


async def test_memories_switched_off_answer_not_found(app, client, people):
    alice = people["alice"]
    await _add(client, alice, "I like chess")
    services = app.state.services
    async with services.write_sessionmaker() as session:
        # As an administrator of Open WebUI beside Parley would, in the shared `config`.
        await services.config.set(session, {"memories.enable": False})
        await session.commit()
    for method, path, body in (("GET", V1, None), ("POST", f"{V1}/add", {"content": "x"}),
                               ("POST", "/api/memory/query", {"content": "chess"})):
        response = await client.request(method, path, headers=alice, json=body)
        assert response.status_code == 404 and response.json() == {"detail": NOT_FOUND}
    assert await _stored(app, people["alice_id"]) == (1, 1)


async def test_a_memory_deleted_while_its_update_is_embedded_stays_deleted(app, client,
                                                                          people, upstream):
    alice = people["alice"]
    kept = await _add(client, alice, "I like chess")
    upstream.script(MODEL, dims=DIMS, first_delay=0.6)
    seen = len(upstream.requests)
    update = asyncio.ensure_future(client.post(
        f"{V1}/{kept['id']}/update", headers=alice, json={"content": "I like go"}))
    async with asyncio.timeout(10):  # the update's embedding request has arrived
        while len(upstream.requests) == seen:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert (await client.delete(f"{V1}/{kept['id']}", headers=alice)).json() is True
    answer = await update
    assert answer.status_code == 404 and answer.json() == {"detail": NOT_FOUND}
    assert await _stored(app, people["alice_id"]) == (0, 0)


async def test_a_stray_vector_without_its_row_is_never_answered_and_reset_drops_it(
        app, client, people):
    alice = people["alice"]
    kept = await _add(client, alice, "I like chess")
    # A vector whose row never committed (the process stopped between the two writes).
    await app.state.services.vectors.upsert(f"user-memory-{people['alice_id']}", [Item(
        "stray", "I like chess boxing", bag_of_words("I like chess boxing"), {})])
    found = (await client.post(f"{V1}/query", headers=alice,
                               json={"content": "chess boxing", "k": 5})).json()
    assert found["ids"] == [[kept["id"]]]
    assert await _stored(app, people["alice_id"]) == (1, 2)
    assert (await client.post(f"{V1}/reset", headers=alice)).json() is True
    assert await _stored(app, people["alice_id"]) == (1, 1)


async def test_an_api_key_caller_writes_memories(app, client, people):
    # An API key is checked by reading the database in the request's own transaction;
    # the memory writes commit their own, so on SQLite neither waits for the other.
    admin = people["admin"]
    await client.post("/api/v1/auths/admin/config", headers=admin,
                      json={"ENABLE_API_KEYS": True})
    key = (await client.post("/api/v1/auths/api_key", headers=admin)).json()["api_key"]
    made = await client.post(f"{V1}/add", headers=bearer(key), json={"content": "Keys work"})
    assert made.status_code == 200, made.text
    changed = await client.post(f"/api/memory/{made.json()['id']}", headers=bearer(key),
                                json={"content": "Keys still work"})
    assert changed.status_code == 200 and changed.json()["content"] == "Keys still work"
    assert (await client.post(f"{V1}/reset", headers=bearer(key))).json() is True
    assert (await client.delete(f"{V1}/delete/user", headers=bearer(key))).json() is True
