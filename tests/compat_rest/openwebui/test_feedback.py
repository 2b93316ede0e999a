"""Open WebUI's `/api/v1/evaluations` feedback routes on a database Open WebUI 0.12.4
made (SQLite and PostgreSQL): shapes and statuses, owners and administrators, the arena
settings, and the Elo leaderboard over rows written as Open WebUI writes them, checked
against values worked out by hand from Open WebUI's algorithm (its query weighting with
embeddings from the scripted server)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (a leaderboard query embeds its tags)
from tests.support.embeddings import MODEL, embedding_env

V1 = "/api/v1/evaluations"
NOT_FOUND = "We could not find what you're looking for :/"
RATING = {"type": "rating",
          "data": {"rating": 1, "model_id": "llama3:8b", "sibling_model_ids": ["qwen3:4b"],
                   "reason": "accurate", "comment": "good", "details": {"rating": 9}},
          "meta": {"arena": True, "chat_id": "c1", "message_id": "m1", "tags": ["maths"]},
          "snapshot": {"chat": {"title": "t"}}, "ignored": "x"}


@pytest.fixture
def env_overrides(upstream):
    # A loaded machine can take more than the usual 1 s to embed.
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "30"}


@pytest.fixture
def database_url(openwebui_database_url):
    """Every test here runs on a database Open WebUI made, where its feedback lives."""
    return openwebui_database_url


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com", name="Alice")
    bob = await accounts.user("bob@example.com")
    return {"admin": bearer(admin["token"]), "alice": bearer(alice["token"]),
            "bob": bearer(bob["token"]), "alice_id": alice["id"]}


async def test_feedback_is_created_read_changed_and_deleted(client, people):
    made = await client.post(f"{V1}/feedback", headers=people["alice"], json=RATING)
    assert made.status_code == 200, made.text
    body = made.json()
    assert set(body) == {"id", "user_id", "version", "type", "data", "meta", "snapshot",
                         "created_at", "updated_at"}
    assert body["user_id"] == people["alice_id"] and body["version"] == 0
    assert body["data"] == RATING["data"]  # extra fields kept
    assert body["meta"] == RATING["meta"] and body["snapshot"] == {"chat": {"title": "t"}}
    assert abs(body["created_at"] - time.time()) < 60  # seconds
    one = f"{V1}/feedback/{body['id']}"

    assert (await client.get(one, headers=people["alice"])).json() == body
    assert (await client.get(one, headers=people["admin"])).json() == body
    hidden = await client.get(one, headers=people["bob"])
    assert hidden.status_code == 404 and hidden.json() == {"detail": NOT_FOUND}

    changed = await client.post(one, headers=people["alice"], json={
        "type": "other", "data": {"rating": -1, "model_id": "llama3:8b"}})
    assert changed.status_code == 200
    assert changed.json()["type"] == "rating"  # the type stays, as in Open WebUI
    assert changed.json()["data"] == {"rating": -1, "model_id": "llama3:8b",
                                      "sibling_model_ids": None, "reason": None,
                                      "comment": None}
    assert changed.json()["meta"] == RATING["meta"]  # parts not sent keep their value
    assert (await client.post(one, headers=people["bob"], json=RATING)).status_code == 404

    own = await client.get(f"{V1}/feedbacks/user", headers=people["alice"])
    assert [f["id"] for f in own.json()] == [body["id"]]
    assert "snapshot" not in own.json()[0] and own.json()[0]["user"] is None
    assert (await client.get(f"{V1}/feedbacks/user", headers=people["bob"])).json() == []

    assert (await client.delete(one, headers=people["bob"])).status_code == 404
    deleted = await client.delete(one, headers=people["alice"])
    assert deleted.status_code == 200 and deleted.json() is True
    assert (await client.get(one, headers=people["admin"])).status_code == 404


async def test_administrators_list_export_and_clear(client, people):
    for who in ("alice", "bob", "alice"):
        assert (await client.post(f"{V1}/feedback", headers=people[who],
                                  json=RATING)).status_code == 200
    listed = await client.get(f"{V1}/feedbacks/all", headers=people["admin"])
    assert listed.status_code == 200 and len(listed.json()) == 3
    first = listed.json()[0]
    assert "snapshot" not in first
    assert set(first["user"]) == {"id", "name", "email", "role", "last_active_at",
                                  "updated_at", "created_at"}
    exported = await client.get(f"{V1}/feedbacks/all/export", headers=people["admin"])
    assert [f["snapshot"] for f in exported.json()] == [{"chat": {"title": "t"}}] * 3
    page = await client.get(f"{V1}/feedbacks/list?page=1", headers=people["admin"])
    assert page.json()["total"] == 3 and len(page.json()["items"]) == 3
    assert (await client.get(f"{V1}/feedbacks/list?page=2", headers=people["admin"])
            ).json() == {"items": [], "total": 3}
    by_name = await client.get(f"{V1}/feedbacks/list?order_by=username&direction=asc",
                               headers=people["admin"])
    assert [i["user"]["name"] for i in by_name.json()["items"]] == [
        "Alice", "Alice", "Una User"]
    other = await client.get(f"{V1}/feedbacks/list?model_id=gpt-4o", headers=people["admin"])
    assert other.json() == {"items": [], "total": 0}
    ids = await client.get(f"{V1}/feedbacks/all/ids", headers=people["admin"])
    assert set(ids.json()[0]) == {"id", "user_id", "created_at", "updated_at"}
    models = await client.get(f"{V1}/feedbacks/models", headers=people["admin"])
    assert models.json() == ["llama3:8b"]
    only = await client.get(f"{V1}/feedbacks/all/export?model_id=qwen3:4b",
                            headers=people["admin"])
    assert only.json() == []
    for path in ("/feedbacks/all", "/feedbacks/all/export", "/feedbacks/list",
                 "/leaderboard", "/config"):
        refused = await client.get(f"{V1}{path}", headers=people["alice"])
        assert refused.status_code == 401, path

    assert (await client.delete(f"{V1}/feedbacks", headers=people["alice"])).json() is True
    assert (await client.delete(f"{V1}/feedbacks", headers=people["alice"])).json() is False
    assert len((await client.get(f"{V1}/feedbacks/all", headers=people["admin"])).json()) == 1
    assert (await client.delete(f"{V1}/feedbacks/all", headers=people["alice"])
            ).status_code == 401
    assert (await client.delete(f"{V1}/feedbacks/all", headers=people["admin"])).json() is True
    assert (await client.get(f"{V1}/feedbacks/all", headers=people["admin"])).json() == []
    assert (await client.delete(f"{V1}/feedbacks/all", headers=people["admin"])).json() is False


@pytest.mark.parametrize("body", [
    {}, {"type": 5}, {"type": "rating", "data": []}, {"type": "rating", "data": {"rating": [1]}},
    {"type": "rating", "meta": "x"}, {"type": "rating", "data": {"sibling_model_ids": "a"}}])
async def test_bad_feedback_is_a_422_and_writes_nothing(client, people, body):
    answer = await client.post(f"{V1}/feedback", headers=people["alice"], json=body)
    assert answer.status_code == 422 and isinstance(answer.json()["detail"], list)
    raw = await client.post(f"{V1}/feedback", headers=people["alice"], content=b"{nope")
    assert 400 <= raw.status_code < 500
    assert (await client.get(f"{V1}/feedbacks/user", headers=people["alice"])).json() == []
    assert (await client.get(f"{V1}/feedback/x", headers=people["alice"])).status_code == 404


async def test_the_arena_settings(client, people):
    got = await client.get(f"{V1}/config", headers=people["admin"])
    assert got.json() == {"ENABLE_EVALUATION_ARENA_MODELS": True, "EVALUATION_ARENA_MODELS": []}
    arena = [{"id": "arena-1", "name": "Arena", "meta": {"model_ids": ["llama3:8b"]}}]
    set_ = await client.post(f"{V1}/config", headers=people["admin"], json={
        "ENABLE_EVALUATION_ARENA_MODELS": False, "EVALUATION_ARENA_MODELS": arena})
    assert set_.json() == {"ENABLE_EVALUATION_ARENA_MODELS": False,
                           "EVALUATION_ARENA_MODELS": arena}
    partial = await client.post(f"{V1}/config", headers=people["admin"],
                                json={"ENABLE_EVALUATION_ARENA_MODELS": True})
    assert partial.json()["EVALUATION_ARENA_MODELS"] == arena
    bad = await client.post(f"{V1}/config", headers=people["admin"],
                            json={"ENABLE_EVALUATION_ARENA_MODELS": "yes"})
    assert bad.status_code == 422
    assert (await client.post(f"{V1}/config", headers=people["alice"], json={})
            ).status_code == 401


def _vote(n: int, winner: str, siblings: list[str], rating, *, tags=(), day: int = 0):
    """A row as Open WebUI writes it, made `day` days ago at noon UTC (so no test day
    straddles midnight)."""
    stamp = int(time.time()) // 86400 * 86400 + 43200 - 86400 * day + n
    return {"id": f"f{n}", "user_id": "u", "version": 0, "type": "rating",
            "data": json.dumps({"rating": rating, "model_id": winner,
                                "sibling_model_ids": siblings, "tags": list(tags)}),
            "meta": json.dumps({"arena": True}), "snapshot": None,
            "created_at": stamp, "updated_at": stamp}


async def _insert(app, rows) -> None:
    async with app.state.services.sessionmaker() as session:
        await session.execute(text(
            "INSERT INTO feedback (id, user_id, version, type, data, meta, snapshot, "
            "created_at, updated_at) VALUES (:id, :user_id, :version, :type, :data, :meta, "
            ":snapshot, :created_at, :updated_at)"), rows)
        await session.commit()


async def test_the_leaderboard_is_open_webuis_elo(app, client, people, upstream):
    """In the table's order: A beats B; B beats A and C; D loses to A and B; a tie, a
    vote without siblings and a rating of 1.0 count for nothing. Worked out by hand:
    B 1031.87, A 1014.60, C 984.07, D 969.47."""
    await _insert(app, [
        _vote(9, "A", ["B"], 1, tags=["maths", "proofs"]),
        _vote(8, "B", ["A", "C"], "1", tags=["code"]),
        _vote(7, "D", ["A", "B"], -1, tags=["maths"]),
        _vote(6, "A", ["C"], 0), _vote(5, "C", [], 1), _vote(4, "C", ["A"], 1.0)])
    board = await client.get(f"{V1}/leaderboard", headers=people["admin"])
    assert board.status_code == 200
    assert [(e["model_id"], e["rating"], e["won"], e["lost"], e["count"])
            for e in board.json()["entries"]] == [
        ("B", 1032, 3, 1, 4), ("A", 1015, 2, 1, 3), ("C", 984, 0, 1, 1), ("D", 969, 0, 2, 2)]
    top = {e["model_id"]: e["top_tags"] for e in board.json()["entries"]}
    assert top["A"] == [{"tag": "maths", "count": 1}, {"tag": "proofs", "count": 1}]
    assert top["C"] == []

    # A query weights each vote by its tags' nearness: only the "code" vote counts.
    coded = await client.get(f"{V1}/leaderboard?query=code", headers=people["admin"])
    ratings = [(e["model_id"], e["rating"]) for e in coded.json()["entries"]]
    # B 1000 beats A 1000 (+16), then C: 32 * (1 - 1/(1 + 10 ** (-16 / 400))) = 15.26.
    assert ratings == [("B", 1031), ("D", 1000), ("C", 985), ("A", 984)]

    # An embedding engine that fails leaves the votes unweighted, as in Open WebUI.
    upstream.script(MODEL, status=500)
    failed = await client.get(f"{V1}/leaderboard?query=code", headers=people["admin"])
    assert [(e["model_id"], e["rating"]) for e in failed.json()["entries"]] == [
        ("B", 1032), ("A", 1015), ("C", 984), ("D", 969)]


async def test_a_models_history_per_day(app, client, people):
    """Votes naming the model as model_id, one each, per UTC day (as Open WebUI counts)."""
    await _insert(app, [_vote(1, "A", ["B", "C"], 1, day=0), _vote(2, "A", ["B"], -1, day=2),
                        _vote(3, "B", ["A"], 1, day=1), _vote(4, "A", ["B"], -1, day=40)])
    answer = await client.get(f"{V1}/leaderboard/A/history?days=3", headers=people["admin"])
    assert answer.status_code == 200
    history = answer.json()["history"]
    assert answer.json()["model_id"] == "A" and len(history) == 3
    assert [(h["won"], h["lost"]) for h in history] == [(0, 1), (0, 0), (1, 0)]
    every = await client.get(f"{V1}/leaderboard/A/history?days=0", headers=people["admin"])
    days = every.json()["history"]
    assert len(days) == 41 and (days[0]["won"], days[0]["lost"]) == (0, 1)
    assert (await client.get(f"{V1}/leaderboard/A/history?days=x", headers=people["admin"])
            ).status_code == 422
    assert (await client.get(f"{V1}/leaderboard/A/history", headers=people["alice"])
            ).status_code == 401
