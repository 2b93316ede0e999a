"""Open WebUI's `/api/v1/functions` routes and the documented `/api/functions` routes on
SQLite and PostgreSQL: shapes and statuses, code checked in a worker before anything is
written (a failure is a 400 naming the line), valves sealed in the row in Open WebUI's
format and never shown to non-admins, and user valves kept in the person's settings."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from data.functions.valves_cipher import ValvesCipher
from tests.support.functions import *  # noqa: F403 (limits and people fixtures)
from tests.support.functions import LIMITS, NOT_FOUND, V1, create, source


@pytest.fixture
def env_overrides(request) -> dict[str, str]:
    switched_off = "switched_off" in request.node.name
    return LIMITS | ({"ENABLE_FUNCTIONS": "false"} if switched_off else {})


RESPONSE_KEYS = {"id", "user_id", "type", "name", "meta", "is_active", "is_global",
                 "version_id", "updated_at", "created_at"}


async def _count(app, table: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_records_through_the_open_webui_routes(client, people):
    admin, user = people["admin"], people["user"]
    created = await create(client, admin, "Word_Pipe", source("word_pipe"), active=False,
                           description="words")
    assert set(created) == RESPONSE_KEYS  # no content, no valves
    assert created["id"] == "word_pipe" and created["type"] == "pipe"
    assert created["is_active"] is False and created["is_global"] is False
    assert created["user_id"] == people["admin_id"]
    manifest = created["meta"]["manifest"]
    assert manifest["title"] == "Word Pipe" and manifest["version"] == "0.1.0"
    assert manifest["requirements"] == "definitely-not-installed==9.9.9"  # never installed
    assert created["meta"]["description"] == "words"

    listed = await client.get(f"{V1}/", headers=user)
    assert listed.status_code == 200 and [set(f) for f in listed.json()] == [RESPONSE_KEYS]
    admin_list = (await client.get(f"{V1}/list", headers=admin)).json()
    assert admin_list[0]["user"]["id"] == people["admin_id"]
    assert (await client.get(f"{V1}/list", headers=user)).status_code == 401

    one = await client.get(f"{V1}/id/word_pipe", headers=admin)
    assert one.json()["content"] == source("word_pipe")
    assert (await client.get(f"{V1}/id/word_pipe", headers=user)).status_code == 401
    missing = await client.get(f"{V1}/id/nope", headers=admin)
    assert missing.status_code == 401 and missing.json() == {"detail": NOT_FOUND}

    taken = await client.post(f"{V1}/create", headers=admin, json={
        "id": "word_pipe", "name": "again", "content": source("word_pipe"), "meta": {}})
    assert taken.status_code == 400 and "already registered" in taken.json()["detail"]
    bad_id = await client.post(f"{V1}/create", headers=admin, json={
        "id": "not an id", "name": "x", "content": source("word_pipe"), "meta": {}})
    assert bad_id.status_code == 400 and "alphanumeric" in bad_id.json()["detail"]

    updated = await client.post(f"{V1}/id/word_pipe/update", headers=admin, json={
        "id": "word_pipe", "name": "Now a filter", "content": source("tag_filter"),
        "meta": {}, "commit_message": "switch"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["type"] == "filter" and updated.json()["name"] == "Now a filter"
    assert updated.json()["version_id"] != created["version_id"]
    history = (await client.get(f"{V1}/id/word_pipe/history", headers=admin)).json()
    assert [h["commit_message"] for h in history] == ["switch", None]
    assert history[0]["snapshot"]["content"] == source("tag_filter")

    toggled = (await client.post(f"{V1}/id/word_pipe/toggle", headers=admin)).json()
    assert toggled["is_active"] is True
    made_global = (await client.post(f"{V1}/id/word_pipe/toggle/global", headers=admin)).json()
    assert made_global["is_global"] is True and made_global["is_active"] is True

    exported = (await client.get(f"{V1}/export", headers=admin)).json()
    assert exported[0]["content"] == source("tag_filter") and "valves" not in exported[0]

    deleted = await client.delete(f"{V1}/id/word_pipe/delete", headers=admin)
    assert deleted.status_code == 200 and deleted.json() is True
    again = await client.delete(f"{V1}/id/word_pipe/delete", headers=admin)
    assert again.json() is False
    assert (await client.get(f"{V1}/", headers=user)).json() == []


async def test_documented_short_routes(client, people):
    admin = people["admin"]
    made = await client.post("/api/functions", headers=admin, json={
        "id": "counter", "name": "Counter", "content": source("count_action")})
    assert made.status_code == 200 and made.json()["type"] == "action"
    assert [f["id"] for f in (await client.get("/api/functions", headers=admin)).json()] \
        == ["counter"]
    assert (await client.get("/api/functions/counter", headers=admin)).json()["content"]
    changed = await client.post("/api/functions/counter", headers=admin, json={
        "id": "counter", "name": "Renamed", "content": source("count_action")})
    assert changed.json()["name"] == "Renamed"
    assert (await client.post("/api/functions/counter/toggle", headers=admin)
            ).json()["is_active"] is True
    assert (await client.delete("/api/functions/counter", headers=admin)).json() is True


@pytest.mark.parametrize(("content", "names"), [
    ("class Pipe:\n    def pipe(self, body)\n        return 1\n", "line 2"),
    ("import math\n\nVALUE = math.tau\n", "no class Pipe, Filter or Action"),
    ("x = 1\n\nraise RuntimeError('broken at import')\nclass Pipe: pass\n", "line 3"),
])
async def test_bad_code_is_a_400_naming_the_cause_and_nothing_is_written(
        app, client, people, content, names):
    response = await client.post(f"{V1}/create", headers=people["admin"], json={
        "id": "broken", "name": "Broken", "content": content, "meta": {}})
    assert response.status_code == 400, response.text
    assert names in response.json()["detail"]
    assert await _count(app, "function") == 0 and await _count(app, "function_history") == 0
    good = await create(client, people["admin"], "good", source("word_pipe"), active=False)
    update = await client.post(f"{V1}/id/good/update", headers=people["admin"], json={
        "id": "good", "name": "x", "content": content, "meta": {}})
    assert update.status_code == 400 and names in update.json()["detail"]
    kept = (await client.get(f"{V1}/id/good", headers=people["admin"])).json()
    assert kept["content"] == source("word_pipe") and kept["version_id"] == good["version_id"]


async def test_valves_are_sealed_in_the_row_and_only_admins_see_them(app, client, people,
                                                                      settings):
    admin, user = people["admin"], people["user"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    spec = (await client.get(f"{V1}/id/word_pipe/valves/spec", headers=admin)).json()
    assert set(spec["properties"]) == {"PREFIX", "API_KEY"}
    saved = await client.post(f"{V1}/id/word_pipe/valves/update", headers=admin,
                              json={"PREFIX": "#", "API_KEY": "sk-very-secret"})
    assert saved.status_code == 200 and saved.json() == {"PREFIX": "#",
                                                         "API_KEY": "sk-very-secret"}
    async with app.state.services.sessionmaker() as session:
        raw = (await session.execute(text(
            "SELECT valves FROM function WHERE id = 'word_pipe'"))).scalar_one()
    assert "sk-very-secret" not in raw
    token = json.loads(raw)  # a JSON string holding a Fernet token, as Open WebUI writes
    assert isinstance(token, str) and token.startswith("gAAAA")
    opened = ValvesCipher(settings.secret_key, encrypt=True).open(token)
    assert opened == {"PREFIX": "#", "API_KEY": "sk-very-secret"}
    assert (await client.get(f"{V1}/id/word_pipe/valves", headers=admin)).json() == opened

    for path in ("valves", "valves/spec"):
        refused = await client.get(f"{V1}/id/word_pipe/{path}", headers=user)
        assert refused.status_code == 401
    for listing in ((await client.get(f"{V1}/", headers=user)).text,
                    (await client.get("/api/models", headers=user)).text):
        assert "sk-very-secret" not in listing
    bad = await client.post(f"{V1}/id/word_pipe/valves/update", headers=admin,
                            json={"PREFIX": {"not": "a string"}})
    assert bad.status_code == 400

    user_spec = (await client.get(f"{V1}/id/word_pipe/valves/user/spec", headers=user)).json()
    assert set(user_spec["properties"]) == {"SHOUT"}
    assert (await client.get(f"{V1}/id/word_pipe/valves/user", headers=user)).json() == {}
    mine = await client.post(f"{V1}/id/word_pipe/valves/user/update", headers=user,
                             json={"SHOUT": True})
    assert mine.status_code == 200 and mine.json() == {"SHOUT": True}
    assert (await client.get(f"{V1}/id/word_pipe/valves/user", headers=user)).json() == \
        {"SHOUT": True}
    assert (await client.get(f"{V1}/id/word_pipe/valves/user", headers=admin)).json() == {}


async def test_plain_valves_written_by_open_webui_are_read(app, client, people):
    await create(client, people["admin"], "word_pipe", source("word_pipe"))
    async with app.state.services.write_sessionmaker() as session:
        await session.execute(text("UPDATE function SET valves = :v WHERE id = 'word_pipe'"),
                              {"v": json.dumps({"PREFIX": "~"})})
        await session.commit()
    got = await client.get(f"{V1}/id/word_pipe/valves", headers=people["admin"])
    assert got.json() == {"PREFIX": "~"}


async def test_functions_switched_off_list_nothing_and_act_nowhere(client, people):
    admin = people["admin"]  # the app runs with ENABLE_FUNCTIONS=false (env_overrides)
    await create(client, admin, "word_pipe", source("word_pipe"))
    assert (await client.get(f"{V1}/", headers=admin)).json() == []
    models = (await client.get("/api/models", headers=admin)).json()["data"]
    assert "word_pipe" not in [m["id"] for m in models]
    answer = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 400  # no such model: the pipe does not answer
