"""Open WebUI's `/api/v1/pipelines/*` proxy to an external Pipelines server (our scripted
one, the second OpenAI connection, with its own key), on SQLite and PostgreSQL: listing
servers and pipelines, adding, uploading, deleting, valves; the server's errors relayed
with their status and detail; an unreachable server or index is `Pipeline not found`;
administrators only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import bearer
from tests.support.ai import UPSTREAM_KEY
from tests.support.pipelines_server import KEY, PipelinesServer, pipelines_server
from tests.support.upstream import ScriptedUpstream

V1 = "/api/v1/pipelines"
NOT_FOUND = {"detail": "Pipeline not found"}


@pytest.fixture
async def upstream() -> AsyncIterator[ScriptedUpstream]:
    async with ScriptedUpstream(key=UPSTREAM_KEY) as scripted:
        yield scripted


@pytest.fixture
async def server() -> AsyncIterator[PipelinesServer]:
    async with pipelines_server() as scripted:
        yield scripted


@pytest.fixture
def env_overrides(upstream, server) -> dict[str, str]:
    return {"OLLAMA_BASE_URLS": upstream.url, "ENABLE_OLLAMA_API": "false",
            "OPENAI_API_BASE_URLS": f"{upstream.openai_url};{server.url};http://127.0.0.1:9",
            "OPENAI_API_KEYS": f"{UPSTREAM_KEY};{KEY};x", "UPSTREAM_CONNECT_TIMEOUT": "2",
            "AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST": "3"}


@pytest.fixture
async def admin(accounts):
    return bearer((await accounts.admin())["token"])


async def test_servers_and_their_pipelines(client, admin, server):
    listed = await client.get(f"{V1}/list", headers=admin)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"data": [{"url": server.url, "idx": 1}]}
    pipelines = await client.get(f"{V1}/", headers=admin, params={"urlIdx": 1})
    assert pipelines.status_code == 200
    assert [p["id"] for p in pipelines.json()["data"]] == ["demo_pipe", "tagger"]
    assert all(p["valves"] is True for p in pipelines.json()["data"])
    assert (await client.get(V1, headers=admin, params={"urlIdx": 1})).json() == \
        pipelines.json()


async def test_add_upload_delete(client, admin, server):
    added = await client.post(f"{V1}/add", headers=admin,
                              json={"url": "https://example.com/p/weather.py", "urlIdx": 1})
    assert added.status_code == 200 and added.json()["status"] is True
    assert "weather" in server.pipelines
    broken = await client.post(f"{V1}/add", headers=admin,
                               json={"url": "https://example.com/broken.py", "urlIdx": 1})
    assert broken.status_code == 400 and broken.json() == {"detail":
                                                          "Unable to install pipeline"}
    code = b"class Pipeline:\n    pass\n"
    uploaded = await client.post(f"{V1}/upload", headers=admin, data={"urlIdx": "1"},
                                 files={"file": ("mine.py", code, "text/x-python")})
    assert uploaded.status_code == 200, uploaded.text
    assert server.uploads == [("mine.py", code)]
    not_python = await client.post(f"{V1}/upload", headers=admin, data={"urlIdx": "1"},
                                   files={"file": ("mine.txt", b"hi", "text/plain")})
    assert not_python.status_code == 400 and "Only Python" in not_python.json()["detail"]
    assert len(server.uploads) == 1
    deleted = await client.request("DELETE", f"{V1}/delete", headers=admin,
                                   json={"id": "weather", "urlIdx": 1})
    assert deleted.status_code == 200 and "weather" not in server.pipelines
    again = await client.request("DELETE", f"{V1}/delete", headers=admin,
                                 json={"id": "weather", "urlIdx": 1})
    assert again.status_code == 404
    assert again.json() == {"detail": "Pipeline weather not found"}


async def test_valves(client, admin, server):
    one = f"{V1}/tagger/valves"
    assert (await client.get(one, headers=admin, params={"urlIdx": 1})).json() == \
        {"TAG": "[piped]"}
    spec = await client.get(f"{one}/spec", headers=admin, params={"urlIdx": 1})
    assert spec.json()["properties"]["TAG"]["type"] == "string"
    changed = await client.post(f"{one}/update", headers=admin, params={"urlIdx": 1},
                                json={"TAG": "[new]"})
    assert changed.status_code == 200 and changed.json() == {"TAG": "[new]"}
    assert server.pipelines["tagger"]["valves"]["TAG"] == "[new]"
    missing = await client.get(f"{V1}/nope/valves", headers=admin, params={"urlIdx": 1})
    assert missing.status_code == 404 and missing.json() == NOT_FOUND


async def test_unreachable_servers_bad_input_and_non_admins(client, accounts, admin, server):
    for idx in ("2", "7"):  # nobody listens / no such connection
        gone = await client.get(f"{V1}/", headers=admin, params={"urlIdx": idx})
        assert gone.status_code == 404 and gone.json() == NOT_FOUND
    assert (await client.get(f"{V1}/", headers=admin)).json() == NOT_FOUND
    wrong = await client.get(f"{V1}/", headers=admin, params={"urlIdx": "one"})
    assert wrong.status_code == 422
    assert (await client.post(f"{V1}/add", headers=admin, json={"url": "x"})).status_code == 422
    user = bearer((await accounts.user("una@example.com"))["token"])
    before = len(server.requests)
    for method, path in (("GET", f"{V1}/list"), ("GET", f"{V1}/?urlIdx=1"),
                         ("GET", f"{V1}/tagger/valves?urlIdx=1")):
        refused = await client.request(method, path, headers=user)
        assert refused.status_code == 401, path
    assert len(server.requests) == before  # nothing reached the server


async def test_filter_pipelines_run_around_completions(client, accounts, admin, upstream,
                                                       server):
    user_body = await accounts.user("una@example.com")
    grant = [{"principal_type": "user", "principal_id": user_body["id"], "permission": "read"}]
    await client.post("/api/v1/models/model/access/update", headers=admin,
                      json={"id": "gpt-4o", "name": "GPT-4o", "access_grants": grant})
    user = bearer(user_body["token"])
    ids = [m["id"] for m in (await client.get("/api/models", headers=admin)).json()["data"]]
    assert "demo_pipe" in ids and "tagger" not in ids  # filters are no models
    answer = await client.post("/api/chat/completions", headers=user, json={
        "model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]})
    assert answer.status_code == 200, answer.text
    sent = upstream.last("/v1/chat/completions").body
    assert sent["messages"][-1]["content"] == "hello [piped]"
    inlet = [r for r in server.requests if r[1] == "/tagger/filter/inlet"][-1]
    assert b'"email": "una@example.com"' in inlet[2] and b'"role": "user"' in inlet[2]
    asked = len(upstream.requests)
    blocked = await client.post("/api/chat/completions", headers=user, json={
        "model": "gpt-4o", "messages": [{"role": "user", "content": "please refuse"}]})
    assert blocked.status_code == 403 and blocked.json() == {"detail": "Blocked by the tagger"}
    assert len(upstream.requests) == asked  # the upstream was never asked
    done = await client.post("/api/chat/completed", headers=user, json={
        "model": "gpt-4o", "messages": [{"role": "user", "content": "hi"},
                                        {"role": "assistant", "content": "tok0"}]})
    assert done.status_code == 200, done.text
    assert done.json()["messages"][-1]["content"] == "tok0 [piped]"
