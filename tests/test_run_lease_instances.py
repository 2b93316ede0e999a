"""Two real instances on one PostgreSQL database; instance A is SIGKILLed mid-run (no
shutdown runs, its leases simply stop being renewed), and instance B, still up, settles
what A was running: A's pipeline run ends `failed` saying why, and A's evaluation run is
resumed on B and finished, what A had scored not asked again. While A is alive, B shows
A's evaluation run as running, refuses to start it again, and stops it on A."""

import asyncio

import asyncpg
import httpx
import pytest

from tests.support.server import kill, one_deployment
from tests.support.waiting import eventually

WAIT = 30
SIGNUP = {"name": "Ada", "email": "ada@example.com", "password": "a-long-passphrase"}
LEASES = {"RUN_HEARTBEAT_INTERVAL": "0.2", "RUN_LEASE_TIMEOUT": "1.5",
          "EVALUATION_CONCURRENCY": "2", "UPSTREAM_IDLE_TIMEOUT": "120"}
GONE = "The instance running it stopped."


@pytest.fixture
async def deployment(tmp_path_factory, migrated_databases):
    async with one_deployment(migrated_databases, "redis", tmp_path_factory.mktemp("kill"),
                              LEASES) as (a, b, upstream, env):
        async with httpx.AsyncClient(base_url=a, timeout=WAIT) as on_a, \
                httpx.AsyncClient(base_url=b, timeout=WAIT) as on_b:
            token = (await on_a.post("/api/v1/auths/signup", json=SIGNUP)).json()["token"]
            on_a.headers["Authorization"] = on_b.headers["Authorization"] = f"Bearer {token}"
            yield on_a, on_b, upstream, env


async def _status(client: httpx.AsyncClient, path: str) -> dict:
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_pipeline_run_on_a_killed_instance_ends_failed(deployment):
    on_a, on_b, upstream, _ = deployment
    upstream.script("llama3:8b", chunks=2, first_delay=60)  # still answering when A dies
    made = await on_a.post("/api/pipelines", json={"name": "Slow", "definition": {"steps": [
        {"name": "talk", "kind": "model", "model": "llama3:8b", "prompt": "{{input}}"}]}})
    assert made.status_code == 200, made.text
    run = (await on_a.post(f"/api/pipelines/{made.json()['id']}/execute",
                           json={"input": "go"})).json()
    path = f"/api/pipelines/{made.json()['id']}/runs/{run['id']}"
    await eventually(lambda: _streaming(upstream), WAIT)
    await asyncio.to_thread(kill, str(on_a.base_url).rstrip("/"))

    async def ended() -> bool:
        return (await _status(on_b, path))["status"] != "running"
    await eventually(ended, WAIT)
    row = await _status(on_b, path)
    assert (row["status"], row["error"]) == ("failed", GONE)
    assert row["ended_at"] is not None


async def _streaming(upstream) -> bool:
    return bool(upstream.streams)


async def test_an_evaluation_run_on_a_killed_instance_is_finished_on_the_other(deployment):
    on_a, on_b, upstream, env = deployment
    upstream.script("llama3:8b", first_delay=0.2)
    upstream.responders["llama3:8b"] = lambda body: str(
        2 * int(body["messages"][-1]["content"].split()[1]))
    cases = [{"messages": [{"role": "user", "content": f"double {i}"}], "scorer": "numeric",
              "expected": 2 * i} for i in range(12)]
    made = await on_a.post("/api/evaluations", json={
        "name": "maths", "models": ["llama3:8b"], "cases": cases})
    assert made.status_code == 200, made.text
    evaluation_id = made.json()["id"]
    assert (await on_a.post(f"/api/evaluations/{evaluation_id}/run")).status_code == 200
    database = await asyncpg.connect(env["DATABASE_URL"])
    try:
        async def some_scored() -> bool:
            return await database.fetchval(
                "SELECT count(*) FROM parley_evaluation_result") >= 3
        await eventually(some_scored, WAIT)
        owner = await database.fetchval("SELECT lease_owner FROM parley_evaluation")
        await asyncio.to_thread(kill, str(on_a.base_url).rstrip("/"))
        # What A had scored: read before the lease is seen changed, so none is B's.
        scored_on_a = await database.fetch(
            "SELECT c.position FROM parley_evaluation_result r "
            "JOIN parley_evaluation_case c ON c.id = r.case_id")
        assert await database.fetchval("SELECT lease_owner FROM parley_evaluation") == owner

        async def done() -> bool:
            got = await _status(on_b, f"/api/evaluations/{evaluation_id}")
            return got["status"] == "done"
        await eventually(done, WAIT)
        taker = await database.fetchval("SELECT lease_owner FROM parley_evaluation")
    finally:
        await database.close()
    assert taker != owner
    final = (await _status(on_b, f"/api/evaluations/{evaluation_id}/results"))["results"]
    assert sorted(r["position"] for r in final) == list(range(12))
    assert all(r["passed"] for r in final)
    asked = [r.body["messages"][-1]["content"] for r in upstream.requests
             if r.path == "/api/chat"]
    for row in scored_on_a:
        assert asked.count(f"double {row['position']}") == 1
    # Besides, only what A had under way when it died (at most its concurrency) twice.
    assert len(asked) <= 12 + 2


async def test_an_evaluation_running_on_a_shows_running_on_b_and_stops_from_b(deployment):
    on_a, on_b, upstream, _ = deployment
    upstream.script("llama3:8b", first_delay=60)  # answers that outlast the test
    made = await on_a.post("/api/evaluations", json={
        "name": "slow", "models": ["llama3:8b"],
        "cases": [{"messages": [{"role": "user", "content": "say OK"}], "scorer": "exact",
                   "expected": "OK"}]})
    evaluation_id = made.json()["id"]
    assert (await on_a.post(f"/api/evaluations/{evaluation_id}/run")).status_code == 200
    await eventually(lambda: _streaming(upstream), WAIT)
    path = f"/api/evaluations/{evaluation_id}"
    assert (await _status(on_b, path))["status"] == "running"  # not "interrupted"
    assert (await on_b.post(f"{path}/run")).status_code == 409  # not a second run on B
    stopped = await on_b.post(f"{path}/stop")
    assert stopped.status_code == 200, stopped.text

    async def ended() -> bool:
        return (await _status(on_b, path))["status"] != "running"
    await eventually(ended, WAIT)
    assert (await _status(on_b, path))["status"] == "stopped"
