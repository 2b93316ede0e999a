"""The documented pipeline routes on SQLite and PostgreSQL: a run of retrieval, a model
(the scripted upstream), a filter function and a condition, each step recorded; stored
pipelines read, updated, duplicated and deleted; a run stopped through the task routes
and a failing step recorded, what finished kept."""

from __future__ import annotations

import asyncio

from tests.support.functions import create as create_function
from tests.support.functions import source
from tests.support.grounding import OTHER, PASSAGE, add_knowledge
from tests.support.pipelines import *  # noqa: F403
from tests.support.pipelines import P, create, model_step, run
from tests.support.waiting import eventually


async def test_retrieval_model_filter_and_condition_run_in_order(app, client, people,
                                                                upstream):
    admin = people["admin"]
    kb = await add_knowledge(app, people["admin_id"], "Lore", PASSAGE, OTHER)
    await create_function(client, admin, "tag_filter", source("tag_filter"))
    pipeline = await create(
        client, admin,
        {"name": "find", "kind": "retrieval", "knowledge": [kb], "k": 1},
        model_step("sum", "Summarise: {{steps.find.output}}"),
        {"name": "tag", "kind": "filter", "function": "tag_filter",
         "input": "{{steps.sum.output}}"},
        {"name": "check", "kind": "condition", "input": "{{steps.tag.output}}",
         "contains": "[tagged]", "then": "good", "else": "bad"},
        {"name": "bad", "kind": "output", "template": "untagged"},
        {"name": "good", "kind": "output", "template": "{{input}} -> {{steps.tag.output}}"})
    assert pipeline["version"] == 1 and pipeline["user_id"] == people["admin_id"]
    done = await run(client, admin, pipeline["id"], "Who lit the lamp at the lighthouse?")
    assert done["status"] == "succeeded", done
    assert done["output"] == "Who lit the lamp at the lighthouse? -> tok0 tok1 tok2  [tagged]"
    steps = {s["name"]: s for s in done["steps"]}
    assert list(steps) == ["find", "sum", "tag", "check", "good"]  # `bad` was jumped over
    assert steps["find"]["output"] == PASSAGE
    assert steps["sum"]["input"] == f"Summarise: {PASSAGE}"
    assert steps["sum"]["tokens"] == {"prompt": 7, "completion": 3, "total": 10}
    assert upstream.last("/api/chat").body["messages"][-1]["content"] == f"Summarise: {PASSAGE}"
    assert steps["check"]["output"] == "true"
    assert all(s["error"] is None and s["ended_at"] >= s["started_at"] for s in steps.values())
    listed = (await client.get(f"{P}/{pipeline['id']}/runs", headers=admin)).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == done["id"]
    one = await client.get(f"{P}/{pipeline['id']}/runs/{done['id']}", headers=admin)
    assert one.status_code == 200 and one.json()["steps"] == done["steps"]


async def test_a_failing_step_ends_the_run_failed_keeping_what_finished(client, people,
                                                                       upstream):
    admin = people["admin"]
    upstream.script("qwen3:4b", status=500, error_message="out of memory")
    pipeline = await create(client, admin, model_step("first", "{{input}}"),
                            model_step("second", "{{steps.first.output}}", "qwen3:4b"),
                            {"name": "end", "kind": "output", "template": "never"})
    done = await run(client, admin, pipeline["id"])
    assert done["status"] == "failed" and done["output"] is None
    assert done["error"].startswith("Step second: ") and "out of memory" in done["error"]
    first, second = done["steps"]
    assert first["output"] == "tok0 tok1 tok2 " and first["error"] is None
    assert second["output"] is None and "out of memory" in second["error"]


async def test_a_run_is_a_task_that_stops(client, people, upstream):
    admin = people["admin"]
    upstream.script("llama3:8b", chunks=200, delay=0.05)
    pipeline = await create(client, admin, model_step("slow", "{{input}}"))
    started = await run(client, admin, pipeline["id"], wait=False)
    assert started["status"] == "running" and started["steps"] == []
    await upstream.pieces_sent(2)
    tasks = (await client.get("/api/tasks", headers=admin)).json()
    assert started["task_id"] in str(tasks)
    stop = await client.post(f"/api/tasks/stop/{started['task_id']}", headers=admin)
    assert stop.status_code == 200, stop.text
    url = f"{P}/{pipeline['id']}/runs/{started['id']}"

    async def ended() -> bool:
        return (await client.get(url, headers=admin)).json()["status"] != "running"
    await eventually(ended, 10)
    stopped = (await client.get(url, headers=admin)).json()
    assert stopped["status"] == "stopped" and stopped["error"] == "The run was stopped."
    assert stopped["steps"][0]["error"] == "The run was stopped."
    async with asyncio.timeout(10):
        record = await upstream.stream_ended()
    assert record.closed_by_client and not record.finished


async def test_an_upstream_that_goes_quiet_fails_its_step(client, people, upstream):
    admin = people["admin"]
    upstream.script("qwen3:4b", chunks=5, hang_after=2)  # then nothing: the idle timeout
    pipeline = await create(client, admin, model_step("first", "{{input}}"),
                            model_step("stalls", "{{steps.first.output}}", "qwen3:4b"))
    done = await run(client, admin, pipeline["id"])
    assert done["status"] == "failed"
    assert [s["error"] is None for s in done["steps"]] == [True, False]
    assert done["steps"][0]["output"] == "tok0 tok1 tok2 "
    assert done["steps"][1]["output"] is None


async def test_one_pipeline_run_twice_at_once_makes_two_runs(client, people, upstream):
    admin = people["admin"]
    upstream.script("llama3:8b", chunks=3, delay=0.05)
    pipeline = await create(client, admin, model_step("say", "{{input}}"))
    first, second = await asyncio.gather(run(client, admin, pipeline["id"], "one"),
                                         run(client, admin, pipeline["id"], "two"))
    assert first["id"] != second["id"] and first["task_id"] != second["task_id"]
    assert first["status"] == second["status"] == "succeeded"
    assert {first["input"], second["input"]} == {"one", "two"}
    listed = (await client.get(f"{P}/{pipeline['id']}/runs", headers=admin)).json()
    assert listed["total"] == 2


async def test_a_shutdown_mid_run_ends_it_stopped(app, client, people, upstream):
    admin = people["admin"]
    upstream.script("llama3:8b", chunks=500, delay=0.05)
    pipeline = await create(client, admin, model_step("long", "{{input}}"))
    started = await run(client, admin, pipeline["id"], wait=False)
    await upstream.pieces_sent(2)
    services = app.state.services
    services.tasks.stop_all("shutdown")  # what the lifespan's end does first
    await eventually(lambda: _ended(client, admin, pipeline["id"], started["id"]), 10)
    row = (await client.get(f"{P}/{pipeline['id']}/runs/{started['id']}",
                            headers=admin)).json()
    assert row["status"] == "stopped"
    assert row["error"] == "The server shut down during the run."


async def _ended(client, admin, pipeline_id: str, run_id: str) -> bool:
    answer = await client.get(f"{P}/{pipeline_id}/runs/{run_id}", headers=admin)
    return answer.json()["status"] != "running"
