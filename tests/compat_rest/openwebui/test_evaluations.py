"""The documented `/api/evaluations` routes on SQLite and PostgreSQL, with models on the
scripted upstream: a run of 50 cases over two models and a judge checked by value, the
CSV, stopping, resuming after a restart without asking a finished case again, JSONL
import errors by line number, and bad input answered 4xx with nothing written."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re

import httpx
import pytest
from sqlalchemy import text

from asgi import create_app
from tests.conftest import bearer
from tests.support.ai import *  # noqa: F403
from tests.support.ai import upstream_env

BASE = "/api/evaluations"


@pytest.fixture
def env_overrides(upstream):
    # No periodic sweep (tests/conftest.py): a run cut short waits here for a run by hand
    # (runs that resume on their own: test_orphaned_evaluations.py).
    return upstream_env(upstream) | {"EVALUATION_CONCURRENCY": "3",
                                     "UPSTREAM_IDLE_TIMEOUT": "10"}


def _asked(body: dict) -> str:
    return body["messages"][-1]["content"]


def good(body: dict) -> str:
    asked = _asked(body)
    if asked.startswith("double "):
        return str(2 * int(asked.split()[1]))
    return {"capital of France?": "Paris", "say OK": "OK", "sky colour": "The sky is blue.",
            "three digits": "123", "json please": '```json\n{"a": 1}\n```'}.get(asked, "Maybe")


def sloppy(body: dict) -> str:
    asked = _asked(body)
    if asked.startswith("double "):
        n = int(asked.split()[1])
        return f"It is {2 * n if n % 2 == 0 else 2 * n + 1}."
    return {"capital of France?": "Lyon", "say OK": "ok", "sky colour": "grey",
            "three digits": "12", "json please": "not json"}.get(asked, "Maybe")


def judge(body: dict) -> str:
    prompt = body["messages"][0]["content"]
    if "NOVERDICT" in prompt:
        return "I cannot decide."
    answer = prompt.split("Answer to grade:\n", 1)[1]
    passed = "Paris" in answer.split("\n\nReply with", 1)[0]
    return json.dumps({"verdict": "pass" if passed else "fail", "score": 1 if passed else 0,
                       "reason": "names Paris" if passed else "wrong city"})


def user(content: str) -> list[dict]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": content}]


FIFTY = ([{"messages": user(f"double {i}"), "scorer": "numeric", "expected": 2 * i,
           "options": {"tolerance": 0.5}} for i in range(40)]
         + [{"messages": user("capital of France?"), "scorer": "judge",
             "expected": "Names Paris."} for _ in range(5)]
         + [{"messages": user("say OK"), "scorer": "exact", "expected": "OK"},
            {"messages": user("sky colour"), "scorer": "contains", "expected": "blue"},
            {"messages": user("three digits"), "scorer": "regex", "expected": r"^\d{3}$"},
            {"messages": user("json please"), "scorer": "json_schema",
             "expected": {"type": "object", "required": ["a"],
                          "properties": {"a": {"type": "integer"}}}},
            {"messages": user("undecidable"), "scorer": "judge", "expected": "NOVERDICT"}])


@pytest.fixture
async def admin(accounts, upstream):
    await accounts.admin()
    upstream.responders.update({"llama3:8b": good, "qwen3:4b": sloppy, "gpt-4o": judge})
    return bearer(accounts.admin_token)


async def _finished(client, headers, evaluation_id, seconds=60.0) -> dict:
    async with asyncio.timeout(seconds):
        while True:
            got = (await client.get(f"{BASE}/{evaluation_id}", headers=headers)).json()
            if got["status"] in ("done", "stopped", "failed"):
                return got
            await asyncio.sleep(0.05)


async def _scored(client, headers, evaluation_id, count: int) -> None:
    """Wait until the run has written `count` results."""
    async with asyncio.timeout(30):
        while True:
            got = await client.get(f"{BASE}/{evaluation_id}/results", headers=headers)
            if len(got.json()["results"]) >= count:
                return
            await asyncio.sleep(0.02)


async def _create(client, headers, **body) -> dict:
    answer = await client.post(BASE, headers=headers, json={"name": "maths", **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_fifty_cases_on_two_models_with_a_judge(client, admin, upstream):
    made = await _create(client, admin, models=["llama3:8b", "qwen3:4b"],
                         judge_model="gpt-4o", cases=FIFTY)
    assert made["status"] == "new" and made["case_count"] == 50
    started = await client.post(f"{BASE}/{made['id']}/run", headers=admin)
    assert started.status_code == 200 and started.json()["status"] == "running"
    assert (await _finished(client, admin, made["id"]))["status"] == "done"

    found = (await client.get(f"{BASE}/{made['id']}/results", headers=admin)).json()
    assert len(found["results"]) == 100
    models = {m["model"]: m for m in found["models"]}
    good_, sloppy_ = models["llama3:8b"], models["qwen3:4b"]
    assert (good_["cases"], good_["errors"], good_["mean_score"], good_["pass_rate"]) == (
        50, 0, 0.98, 0.98)
    assert (sloppy_["mean_score"], sloppy_["pass_rate"]) == (0.4, 0.4)
    assert good_["prompt_tokens"] == 350 and good_["completion_tokens"] == 50
    assert 0 <= good_["latency_p50_ms"] <= good_["latency_p95_ms"]

    by_case = {(r["position"], r["model"]): r for r in found["results"]}
    paris = by_case[(40, "llama3:8b")]
    assert (paris["verdict"], paris["reason"], paris["score"]) == ("pass", "names Paris", 1.0)
    assert by_case[(40, "qwen3:4b")]["verdict"] == "fail"
    silent = by_case[(49, "llama3:8b")]
    assert silent["verdict"] is None and silent["passed"] is False
    assert silent["reason"].startswith("The judge gave no verdict")
    assert by_case[(3, "qwen3:4b")]["reason"] == "7 is not within 0.5 of 6"
    chats = [r for r in upstream.requests if r.path == "/api/chat"]
    assert len(chats) == 100 and all(r.body["messages"][0]["role"] == "system" for r in chats)
    assert len([r for r in upstream.requests if r.path == "/v1/chat/completions"]) == 12

    sheet = await client.get(f"{BASE}/{made['id']}/results?format=csv", headers=admin)
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert len(rows) == 100 and rows[0]["position"] == "0"
    assert rows[0]["model"] == "llama3:8b" and rows[0]["passed"] == "true"
    assert rows[1]["output"] == "It is 0." and rows[1]["score"] == "1.0"

    # A finished run, run again, starts over.
    await client.post(f"{BASE}/{made['id']}/run", headers=admin)
    assert (await _finished(client, admin, made["id"]))["status"] == "done"
    assert len([r for r in upstream.requests if r.path == "/api/chat"]) == 200


async def test_stop_keeps_what_was_scored_and_a_second_run_resumes(client, admin, upstream):
    upstream.script("llama3:8b", first_delay=0.3)
    cases = [{"messages": user(f"double {i}"), "scorer": "numeric", "expected": 2 * i}
             for i in range(12)]
    made = await _create(client, admin, models=["llama3:8b"], cases=cases)
    await client.post(f"{BASE}/{made['id']}/run", headers=admin)
    twice = await client.post(f"{BASE}/{made['id']}/run", headers=admin)
    assert twice.status_code == 409
    await _scored(client, admin, made["id"], 1)
    stopped = await client.post(f"{BASE}/{made['id']}/stop", headers=admin)
    assert stopped.status_code == 200
    assert (await _finished(client, admin, made["id"]))["status"] == "stopped"
    kept = (await client.get(f"{BASE}/{made['id']}/results", headers=admin)).json()["results"]
    assert 1 <= len(kept) < 12
    assert (await client.post(f"{BASE}/{made['id']}/stop", headers=admin)).status_code == 409

    asked_before = len(upstream.requests)
    upstream.script("llama3:8b")
    await client.post(f"{BASE}/{made['id']}/run", headers=admin)
    assert (await _finished(client, admin, made["id"]))["status"] == "done"
    again = {_asked(r.body) for r in upstream.requests[asked_before:] if r.path == "/api/chat"}
    assert again.isdisjoint({f"double {r['position']}" for r in kept})
    final = (await client.get(f"{BASE}/{made['id']}/results", headers=admin)).json()
    assert sorted(r["position"] for r in final["results"]) == list(range(12))


async def test_a_run_resumes_after_the_server_restarts(settings, app, client, admin,
                                                      upstream):
    """A run cut short by a restart (the process gone, its row still `running`) shows
    as interrupted until an instance resumes it; running it again by hand first asks
    only the cases without a result."""
    upstream.script("llama3:8b", first_delay=0.2)
    cases = [{"messages": user(f"double {i}"), "scorer": "numeric", "expected": 2 * i}
             for i in range(9)]
    made = await _create(client, admin, models=["llama3:8b"], cases=cases)
    first = create_app(settings)  # the instance that will go away mid-run
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as a:
            await a.post(f"{BASE}/{made['id']}/run", headers=admin)
            await _scored(a, admin, made["id"], 3)
    engine = app.state.services.engine
    async with engine.begin() as conn:  # as a process that died would leave it
        await conn.execute(text("UPDATE parley_evaluation SET status = 'running'"))
        done = (await conn.execute(text(
            "SELECT c.position FROM parley_evaluation_result r JOIN parley_evaluation_case c "
            "ON c.id = r.case_id"))).scalars().all()
    assert (await client.get(f"{BASE}/{made['id']}", headers=admin)).json()["status"] == (
        "interrupted")
    asked_before = len(upstream.requests)
    upstream.script("llama3:8b")
    await client.post(f"{BASE}/{made['id']}/run", headers=admin)
    assert (await _finished(client, admin, made["id"]))["status"] == "done"
    again = [_asked(r.body) for r in upstream.requests[asked_before:] if r.path == "/api/chat"]
    assert len(again) == 9 - len(done)
    assert set(again).isdisjoint({f"double {p}" for p in done})
    final = (await client.get(f"{BASE}/{made['id']}/results", headers=admin)).json()
    assert sorted(r["position"] for r in final["results"]) == list(range(9))


async def test_cases_from_jsonl(client, admin):
    lines = "\n".join([json.dumps({"input": "say OK", "expected": "OK"}), "",
                       json.dumps({"input": "capital of France?", "rubric": "Paris"}),
                       json.dumps({"messages": user("json please"),
                                   "schema": {"type": "object"}})])
    made = await _create(client, admin, models=["llama3:8b"], judge_model="gpt-4o",
                         cases_jsonl=lines)
    got = (await client.get(f"{BASE}/{made['id']}", headers=admin)).json()
    assert [c["scorer"] for c in got["cases"]] == ["exact", "judge", "json_schema"]
    assert got["cases"][0]["messages"] == [{"role": "user", "content": "say OK"}]


@pytest.mark.parametrize(("jsonl", "line"), [
    ('{"input": "a", "expected": "b"}\n{"input": "a", "expected": "b"\n', 2),
    ('{"input": "a", "expected": "b"}\n\n[1, 2]\n', 3),
    ('{"input": "a", "scorer": "regex", "expected": "("}\n', 1),
    ('{"input": "a", "scorer": "telepathy", "expected": "b"}\n', 1),
    ('{"expected": "b"}\n', 1)])
async def test_a_bad_jsonl_line_is_named_and_nothing_is_written(client, admin, jsonl, line):
    answer = await client.post(BASE, headers=admin, json={
        "name": "x", "models": ["llama3:8b"], "cases_jsonl": jsonl})
    assert answer.status_code == 400
    assert re.match(rf"line {line}: ", answer.json()["detail"]), answer.json()
    assert (await client.get(BASE, headers=admin)).json() == []


ONE = [{"messages": user("say OK"), "scorer": "exact", "expected": "OK"}]


@pytest.mark.parametrize(("body", "status"), [
    ({"models": ["llama3:8b"], "cases": []}, 400),
    ({"models": ["llama3:8b"], "cases": ONE * 10_000}, 400),
    ({"models": [], "cases": ONE}, 400),
    ({"models": ["llama3:8b", "llama3:8b"], "cases": ONE}, 400),
    ({"models": ["no-such-model"], "cases": ONE}, 404),
    ({"models": ["llama3:8b"], "cases": [dict(ONE[0], scorer="judge")]}, 400),
    ({"models": ["llama3:8b"], "cases": [dict(ONE[0], scorer="numeric")]}, 400),
    ({"models": ["llama3:8b"], "cases": [dict(ONE[0], messages=[{"role": "x"}])]}, 400),
    ({"models": ["llama3:8b"], "cases": ONE, "cases_jsonl": "{}"}, 400),
    ({"models": "llama3:8b", "cases": ONE}, 422),
    ({"models": ["llama3:8b"], "cases": [dict(ONE[0], options={"tolerance": -1},
                                              scorer="numeric", expected=1)]}, 400)])
async def test_bad_evaluations_are_refused(client, admin, body, status):
    answer = await client.post(BASE, headers=admin, json={"name": "x", **body})
    assert answer.status_code == status, answer.text
    assert "detail" in answer.json()
    assert (await client.get(BASE, headers=admin)).json() == []


async def test_owners_and_administrators(client, accounts, admin):
    una = bearer((await accounts.user("una@example.com"))["token"])
    made = await _create(client, admin, models=["llama3:8b"], cases=ONE)
    for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/run"),
                         ("GET", "/results"), ("POST", "/stop")):
        answer = await client.request(method, f"{BASE}/{made['id']}{path}", headers=una)
        assert answer.status_code == 404, (method, path)
    assert (await client.get(BASE, headers=una)).json() == []
    assert (await client.get(BASE)).status_code == 401
    assert [e["id"] for e in (await client.get(BASE, headers=admin)).json()] == [made["id"]]
    bad = await client.get(f"{BASE}/{made['id']}/results?format=xml", headers=admin)
    assert bad.status_code == 400
    assert (await client.delete(f"{BASE}/{made['id']}", headers=admin)).json() is True
    assert (await client.get(f"{BASE}/{made['id']}", headers=admin)).status_code == 404


async def test_deleting_a_running_evaluation_stops_it_and_leaves_nothing(app, client, admin,
                                                                          upstream):
    upstream.script("llama3:8b", first_delay=0.2)
    cases = [{"messages": user(f"double {i}"), "scorer": "numeric", "expected": 2 * i}
             for i in range(9)]
    made = await _create(client, admin, models=["llama3:8b"], cases=cases)
    await client.post(f"{BASE}/{made['id']}/run", headers=admin)
    await _scored(client, admin, made["id"], 1)
    assert (await client.delete(f"{BASE}/{made['id']}", headers=admin)).json() is True
    async with asyncio.timeout(10):  # the run's task ends
        while True:
            running = await client.get("/api/tasks", headers=admin)
            if not [t for t in running.json()["items"] if made["id"] in t["route"]]:
                break
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # a write in flight would land by now
    async with app.state.services.engine.connect() as conn:
        for table in ("parley_evaluation", "parley_evaluation_case",
                      "parley_evaluation_result"):
            count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            assert count == 0, table
