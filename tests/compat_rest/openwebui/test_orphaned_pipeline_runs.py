"""Pipeline runs whose instance died end `failed`, on SQLite and PostgreSQL: a run left
`running` with a stale lease (written through the real tables) is ended by the live
instance's sweep, its step under way closed, and reads as failed over REST and GraphQL;
a run a live instance holds is left to it however many sweeps go by."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from asgi import create_app
from data.tables import PipelineRunRow
from resolvers.tasks.leases import now_ms
from tests.support.pipelines import P, create, model_step, people, pipelines_env, run, upstream
from tests.support.waiting import eventually

__all__ = ["people", "upstream"]  # fixtures
GONE = "The instance running it stopped."
# Short, yet with room: two instances share this test's event loop, and one starting
# up holds it for a good part of a second.
FAST_LEASES = {"RUN_HEARTBEAT_INTERVAL": "0.1", "RUN_LEASE_TIMEOUT": "1.5"}
RUN_QUERY = """query Run($id: ID!) { pipelineRun(id: $id) {
  status error endedAt steps { name error endedAt } } }"""


@pytest.fixture
def env_overrides(upstream):  # noqa: F811
    # A model that keeps quiet is the run kept going: not a failure within the test.
    return pipelines_env(upstream) | FAST_LEASES | {"UPSTREAM_IDLE_TIMEOUT": "120"}


async def _status(client, headers, pipeline_id: str, run_id: str) -> dict:
    return (await client.get(f"{P}/{pipeline_id}/runs/{run_id}", headers=headers)).json()


async def test_a_run_whose_instance_died_ends_failed(app, client, people):
    admin = people["admin"]
    pipeline = await create(client, admin, model_step("talk", "{{input}}"),
                            model_step("again", "{{steps.talk.output}}"))
    done = await run(client, admin, pipeline["id"])
    assert done["status"] == "succeeded"
    steps = [dict(done["steps"][0])]
    steps.append({**done["steps"][1], "output": None, "ended_at": None})  # under way
    async with app.state.services.write_sessionmaker() as session:  # as a SIGKILL leaves it
        await session.execute(update(PipelineRunRow).where(PipelineRunRow.id == done["id"])
                              .values(status="running", output=None, ended_at=None,
                                      steps=steps, lease_owner="instance-that-died",
                                      heartbeat_at=now_ms() - 3_600_000))
        await session.commit()

    async def ended() -> bool:
        return (await _status(client, admin, pipeline["id"], done["id"]))["status"] != "running"
    await eventually(ended, 10)
    row = await _status(client, admin, pipeline["id"], done["id"])
    assert (row["status"], row["error"]) == ("failed", GONE)
    assert row["ended_at"] is not None
    assert row["steps"][0]["error"] is None and row["steps"][0]["output"]
    assert row["steps"][1]["error"] == GONE and row["steps"][1]["ended_at"] is not None
    answer = await client.post("/graphql", headers=admin,
                               json={"query": RUN_QUERY, "variables": {"id": done["id"]}})
    seen = answer.json()["data"]["pipelineRun"]
    assert (seen["status"], seen["error"]) == ("FAILED", GONE)
    assert seen["endedAt"] is not None and seen["steps"][1]["error"] == GONE


async def test_a_run_a_live_instance_holds_is_left_to_it(app, client, people, upstream,
                                                        settings):
    admin = people["admin"]
    upstream.script("llama3:8b", chunks=2, first_delay=60)  # an answer outlasting the test
    pipeline = await create(client, admin, model_step("long", "{{input}}"))
    other = create_app(settings)  # a second instance on the same database
    async with other.router.lifespan_context(other):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other),
                                     base_url="http://b.test") as on_other:
            started = await run(on_other, admin, pipeline["id"], wait=False)
            here = app.state.services.leases
            # Long enough that a lease not renewed would have gone stale.
            rounds = here.sweeps + int(1.5 / 0.1) + 5

            async def swept() -> bool:
                return here.sweeps >= rounds
            await eventually(swept, 30)
            row = await _status(client, admin, pipeline["id"], started["id"])
            assert (row["status"], row["error"]) == ("running", None)
            stop = await on_other.post(f"/api/tasks/stop/{started['task_id']}", headers=admin)
            assert stop.status_code == 200, stop.text

            async def ended() -> bool:
                got = await _status(client, admin, pipeline["id"], started["id"])
                return got["status"] != "running"
            await eventually(ended, 10)
    row = await _status(client, admin, pipeline["id"], started["id"])
    assert (row["status"], row["error"]) == ("stopped", "The run was stopped.")
