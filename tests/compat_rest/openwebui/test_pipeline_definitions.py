"""Saving pipelines on SQLite and PostgreSQL: every problem of a definition listed at
once (400, nothing stored), access checked as the owner when saved and as the caller
when run, sharing through grants, versions, duplicates, deletion, and bad input."""

from __future__ import annotations

from tests.support.functions import create as create_function
from tests.support.functions import source
from tests.support.grounding import PASSAGE, add_knowledge
from tests.support.pipelines import *  # noqa: F403
from tests.support.pipelines import P, create, model_step, run


async def problems_of(client, headers, definition, status: int = 400) -> list[dict]:
    answer = await client.post(P, headers=headers, json={"name": "Bad",
                                                         "definition": definition})
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert isinstance(body["detail"], str) and body["detail"].startswith("The pipeline")
    return body["problems"]


async def test_every_problem_is_listed_and_nothing_is_stored(client, people):
    admin = people["admin"]
    found = await problems_of(client, admin, {"steps": [
        {"name": "a", "kind": "telepathy"},
        model_step("b", "{{steps.c.output}} and {{steps.nope.output}}"),
        {"name": "c", "kind": "condition", "contains": "x", "then": "b"},
        {"name": "d", "kind": "output", "template": "{{steps.d.output}} {{ secrets }}"},
        {"name": "d", "kind": "model", "prompt": "{{input}}"},
        {"name": "e", "kind": "retrieval", "knowledge": []},
        {"name": "f", "kind": "condition", "matches": "(", "then": "ghost"},
    ]})
    assert [(p["step"], p["field"]) for p in found] == [
        ("d", "name"), ("a", "kind"), ("b", "prompt"), ("b", "prompt"), ("c", "then"),
        ("d", "template"), ("d", "model"), ("e", "knowledge"), ("f", "matches"),
        ("f", "then")]
    messages = [p["message"] for p in found]
    assert "Unknown step kind 'telepathy'" in messages[1]
    assert "does not run before this one" in messages[2]
    assert messages[3] == "No step is named 'nope'."
    assert "makes a cycle" in messages[4]
    assert "Unknown placeholder {{ secrets }}" in messages[5]
    assert (await client.get(P, headers=admin)).json()["total"] == 0
    assert (await problems_of(client, admin, {"steps": []}))[0]["field"] == "steps"
    assert (await problems_of(client, admin, []))[0]["field"] == "steps"
    thousand = [{"name": f"s{i}", "kind": "output", "template": "x"} for i in range(1000)]
    [too_many] = await problems_of(client, admin, {"steps": thousand})
    assert "at most 100 steps, not 1000" in too_many["message"]


async def test_access_is_the_owners_when_saved_and_the_callers_when_run(app, client, people):
    admin, una = people["admin"], people["una"]
    kb = await add_knowledge(app, people["admin_id"], "Lore", PASSAGE)
    steps = [{"name": "find", "kind": "retrieval", "knowledge": [kb]},
             model_step("sum", "{{steps.find.output}}"),
             {"name": "act", "kind": "function", "function": "nowhere"}]
    found = await problems_of(client, una, {"steps": steps})
    assert [(p["step"], p["field"]) for p in found] == [
        ("find", "knowledge"), ("sum", "model"), ("act", "function")]
    await create_function(client, admin, "tag_filter", source("tag_filter"))
    wrong_kind = await problems_of(client, admin, {"steps": [
        {"name": "act", "kind": "function", "function": "tag_filter"}]})
    assert "is a filter" in wrong_kind[0]["message"]
    shared = await create(client, admin, *steps[:2], access_grants=[
        {"principal_type": "user", "principal_id": people["una_id"], "permission": "read"}])
    assert shared["access_grants"][0]["principal_id"] == people["una_id"]
    seen = await client.get(f"{P}/{shared['id']}", headers=una)
    assert seen.status_code == 200 and seen.json()["write_access"] is False
    refused = await client.post(f"{P}/{shared['id']}/execute", headers=una,
                                json={"input": "hi"})
    assert refused.status_code == 403
    assert [(p["step"], p["field"]) for p in refused.json()["problems"]] == [
        ("find", "knowledge"), ("sum", "model")]
    assert (await client.get(f"{P}/{shared['id']}/runs", headers=admin)).json()["total"] == 0
    edit = await client.post(f"{P}/{shared['id']}", headers=una, json={"name": "Mine"})
    assert edit.status_code == 403
    grant = [{"principal_type": "user", "principal_id": people["una_id"], "permission": "read"}]
    await client.post("/api/v1/models/model/access/update", headers=admin,
                      json={"id": "llama3:8b", "name": "Llama", "access_grants": grant})
    await client.post(f"/api/v1/knowledge/{kb}/access/update", headers=admin,
                      json={"access_grants": grant})
    done = await run(client, una, shared["id"], "lamp")
    assert done["status"] == "succeeded" and done["user_id"] == people["una_id"]
    # Una sees her own run; the admin (a writer) sees every run.
    assert (await client.get(f"{P}/{shared['id']}/runs", headers=una)).json()["total"] == 1
    mine = await run(client, admin, shared["id"], "lamp")
    assert (await client.get(f"{P}/{shared['id']}/runs", headers=admin)).json()["total"] == 2
    assert (await client.get(f"{P}/{shared['id']}/runs/{mine['id']}",
                             headers=una)).status_code == 404  # not hers to read
    assert (await client.get(f"{P}/{shared['id']}/runs/{done['id']}",
                             headers=admin)).status_code == 200


async def test_update_duplicate_delete(client, people):
    admin, una = people["admin"], people["una"]
    made = await create(client, admin, {"name": "out", "kind": "output",
                                        "template": "{{input}}!"}, name="Echo")
    url = f"{P}/{made['id']}"
    changed = await client.post(url, headers=admin, json={
        "description": "shouts", "definition": {"steps": [
            {"name": "out", "kind": "output", "template": "{{input}}!!"}]}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["description"] == "shouts"
    bad = await client.post(url, headers=admin, json={"definition": {"steps": [
        {"name": "out", "kind": "nope"}]}})
    assert bad.status_code == 400
    assert (await client.get(url, headers=admin)).json()["version"] == 2  # nothing changed
    copy = await client.post(f"{url}/duplicate", headers=admin)
    assert copy.status_code == 200, copy.text
    assert copy.json()["name"] == "Echo (copy)" and copy.json()["id"] != made["id"]
    assert copy.json()["definition"] == changed.json()["definition"]
    assert (await run(client, admin, made["id"], "hey"))["output"] == "hey!!"
    assert (await client.get(url, headers=una)).status_code == 404
    assert (await client.post(f"{url}/duplicate", headers=una)).status_code == 404
    assert (await client.delete(url, headers=una)).status_code == 404
    gone = await client.delete(url, headers=admin)
    assert gone.status_code == 200 and gone.json() is True
    assert (await client.get(url, headers=admin)).status_code == 404
    assert (await client.get(f"{url}/runs", headers=admin)).status_code == 404
    assert (await client.get(P, headers=admin)).json()["total"] == 1


async def test_bad_input_is_4xx(client, people):
    admin = people["admin"]
    made = await create(client, admin, {"name": "out", "kind": "output", "template": "x"})
    url = f"{P}/{made['id']}"
    broken = await client.post(P, headers={**admin, "Content-Type": "application/json"},
                               content=b"{not json")
    assert broken.status_code == 422
    assert (await client.post(P, headers=admin, json={"definition": {}})).status_code == 422
    blank = await client.post(P, headers=admin, json={"name": " ", "definition": {
        "steps": [{"name": "o", "kind": "output", "template": "x"}]}})
    assert blank.status_code == 400
    assert (await client.post(f"{url}/execute", headers=admin,
                              json={"input": ["x"]})).status_code == 422
    huge = await client.post(f"{url}/execute", headers=admin, json={"input": "x" * 1_000_001})
    assert huge.status_code == 400
    assert (await client.post(f"{P}/nope/execute", headers=admin, json={})).status_code == 404
    assert (await client.get(f"{url}/runs/nope", headers=admin)).status_code == 404
    assert (await client.get(f"{url}/runs", headers=admin,
                             params={"page": "0"})).status_code in (400, 422)
    assert (await client.get(P)).status_code == 401
