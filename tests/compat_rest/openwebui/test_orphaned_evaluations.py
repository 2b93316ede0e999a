"""Evaluation runs whose instance is gone resume on their own, on SQLite and PostgreSQL:
an orphaned run (its lease stale, written through the real tables) is finished by a live
instance asking each unscored case once, EVALUATION_CONCURRENCY at a time; a run a live
instance holds is left to it; a shutdown hands the run over; of two instances racing
to take one run, exactly one does; and an instance that only stalled writes nothing
once its run was taken over."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import select, update

from asgi import create_app
from data.tables import EvaluationCaseRow, EvaluationResultRow, EvaluationRow
from data.tables.base import now_s
from resolvers.evaluations.resume import take_over
from resolvers.tasks.leases import now_ms
from tests.conftest import Accounts, bearer, make_settings
from tests.support.ai import *  # noqa: F403
from tests.support.ai import upstream_env
from tests.support.waiting import eventually

BASE = "/api/evaluations"
CONCURRENCY = 3
# Short, yet with room: two instances share this test's event loop, and one starting
# up holds it for a good part of a second.
FAST_LEASES = {"RUN_HEARTBEAT_INTERVAL": "0.1", "RUN_LEASE_TIMEOUT": "1.5"}
STALE = 3_600_000  # ms: an hour without a heartbeat


@pytest.fixture
def env_overrides(upstream):
    return upstream_env(upstream) | FAST_LEASES | {
        "EVALUATION_CONCURRENCY": str(CONCURRENCY), "UPSTREAM_IDLE_TIMEOUT": "120"}


def doubles(count: int) -> list[dict]:
    return [{"messages": [{"role": "user", "content": f"double {i}"}], "scorer": "numeric",
             "expected": 2 * i} for i in range(count)]


def asked(upstream) -> list[str]:
    return [r.body["messages"][-1]["content"] for r in upstream.requests
            if r.path == "/api/chat"]


class InFlight:
    """Answers `double n` right, noting how many answers were streaming when each
    request came in."""

    def __init__(self, upstream):
        self.upstream, self.most = upstream, 0

    def __call__(self, body: dict) -> str:
        streaming = sum(not s.ended.is_set() for s in self.upstream.streams)
        self.most = max(self.most, streaming + 1)
        return str(2 * int(body["messages"][-1]["content"].split()[1]))


@pytest.fixture
async def admin(accounts, upstream):
    await accounts.admin()
    upstream.responders["llama3:8b"] = InFlight(upstream)
    return bearer(accounts.admin_token)


async def create(client, headers, count: int) -> str:
    answer = await client.post(BASE, headers=headers, json={
        "name": "maths", "models": ["llama3:8b"], "cases": doubles(count)})
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


EARLIER = "scored by the instance that died"


async def orphan(services, evaluation_id: str, *, scored: int) -> None:
    """Leave the evaluation as an instance that died mid-run would: `running`, its first
    `scored` cases scored, its lease an hour old."""
    async with services.write_sessionmaker() as session:
        cases = (await session.execute(
            select(EvaluationCaseRow).where(EvaluationCaseRow.evaluation_id == evaluation_id)
            .order_by(EvaluationCaseRow.position))).scalars().all()
        for case in cases[:scored]:
            session.add(EvaluationResultRow(
                id=str(uuid.uuid4()), evaluation_id=evaluation_id, case_id=case.id,
                model="llama3:8b", output=str(case.expected), score=1.0, passed=True,
                reason=EARLIER, latency_ms=5, prompt_tokens=1, completion_tokens=1,
                created_at=now_s()))
        await session.execute(update(EvaluationRow).where(EvaluationRow.id == evaluation_id)
                              .values(status="running", task_id="task-of-the-dead",
                                      lease_owner="instance-that-died",
                                      heartbeat_at=now_ms() - STALE, run_started_at=now_s()))
        await session.commit()


async def finished(client, headers, evaluation_id: str, seconds: float = 60) -> dict:
    async def ended() -> bool:
        got = await client.get(f"{BASE}/{evaluation_id}", headers=headers)
        return got.json()["status"] in ("done", "stopped", "failed")
    await eventually(ended, seconds)
    return (await client.get(f"{BASE}/{evaluation_id}", headers=headers)).json()


async def results(client, headers, evaluation_id: str) -> list[dict]:
    got = await client.get(f"{BASE}/{evaluation_id}/results", headers=headers)
    return got.json()["results"]


async def test_an_orphaned_run_is_finished_here_each_case_scored_once(app, client, admin,
                                                                     upstream):
    upstream.script("llama3:8b", first_delay=0.1)
    evaluation_id = await create(client, admin, 12)
    await orphan(app.state.services, evaluation_id, scored=4)
    assert (await finished(client, admin, evaluation_id))["status"] == "done"
    assert sorted(asked(upstream)) == sorted(f"double {i}" for i in range(4, 12))
    final = await results(client, admin, evaluation_id)
    assert sorted(r["position"] for r in final) == list(range(12))
    # What was scored before stays as it was.
    assert [r["position"] for r in final if r["reason"] == EARLIER] == [0, 1, 2, 3]
    assert all(r["passed"] for r in final)
    assert 2 <= upstream.responders["llama3:8b"].most <= CONCURRENCY


async def test_a_run_a_live_instance_holds_is_left_to_it(app, client, admin, upstream,
                                                        settings):
    upstream.script("llama3:8b", first_delay=60)  # answers that outlast the test
    evaluation_id = await create(client, admin, 12)
    other = create_app(settings)  # a second instance on the same database
    async with other.router.lifespan_context(other):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other),
                                     base_url="http://b.test") as on_other:
            started = await on_other.post(f"{BASE}/{evaluation_id}/run", headers=admin)
            assert started.status_code == 200, started.text
            here = app.state.services.leases
            # Long enough that a lease not renewed would have gone stale.
            rounds = here.sweeps + int(1.5 / 0.1) + 5

            async def swept() -> bool:
                return here.sweeps >= rounds
            await eventually(swept, 30)
            assert (await client.get(f"{BASE}/{evaluation_id}", headers=admin)).json()[
                "status"] == "running"
            again = await client.post(f"{BASE}/{evaluation_id}/run", headers=admin)
            assert again.status_code == 409  # not started a second time here
            assert not app.state.services.tasks.all()
            stop = await on_other.post(f"{BASE}/{evaluation_id}/stop", headers=admin)
            assert stop.status_code == 200, stop.text
            assert (await finished(on_other, admin, evaluation_id))["status"] == "stopped"
    # Only the holder asked: its first cases, each once.
    assert sorted(asked(upstream)) == [f"double {i}" for i in range(CONCURRENCY)]


async def test_a_run_cut_short_by_a_shutdown_resumes_on_its_own(settings, app, client, admin,
                                                               upstream):
    upstream.script("llama3:8b", first_delay=0.2)
    evaluation_id = await create(client, admin, 9)
    first = create_app(settings)  # the instance that will go away mid-run
    async with first.router.lifespan_context(first):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first),
                                     base_url="http://a.test") as on_first:
            await on_first.post(f"{BASE}/{evaluation_id}/run", headers=admin)

            async def some_scored() -> bool:
                return len(await results(on_first, admin, evaluation_id)) >= 3
            await eventually(some_scored, 30)
    scored_first = {f"double {r['position']}" for r in
                    await results(client, admin, evaluation_id)}
    assert (await finished(client, admin, evaluation_id))["status"] == "done"
    final = await results(client, admin, evaluation_id)
    assert sorted(r["position"] for r in final) == list(range(9))
    # What the first instance scored was not asked again; what it had under way may be.
    times = {case: asked(upstream).count(case) for case in scored_first}
    assert set(times.values()) == {1}


async def test_two_instances_racing_to_take_a_run_one_wins(tmp_path, database_url, upstream):
    env = upstream_env(upstream) | {"RUN_HEARTBEAT_INTERVAL": "600",  # sweeps stay out
                                    "RUN_LEASE_TIMEOUT": "1200"}
    one, two = (create_app(make_settings(tmp_path, database_url, **env)) for _ in range(2))
    async with one.router.lifespan_context(one), two.router.lifespan_context(two):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=one),
                                     base_url="http://one.test") as client:
            accounts = Accounts(client)
            await accounts.admin()
            headers = bearer(accounts.admin_token)
            ids = [await create(client, headers, 2) for _ in range(6)]
            for evaluation_id in ids:  # scored already: the winner only writes the end
                await orphan(one.state.services, evaluation_id, scored=2)
            services = (one.state.services, two.state.services)
            for evaluation_id in ids:
                won = await asyncio.gather(*(take_over(s, evaluation_id) for s in services))
                assert sorted(won) == [False, True], evaluation_id
                winner = services[won.index(True)].leases.instance_id
                got = await finished(client, headers, evaluation_id)
                assert got["status"] == "done"
                async with one.state.services.sessionmaker() as session:
                    row = await session.get(EvaluationRow, evaluation_id)
                    assert row.lease_owner == winner
    assert asked(upstream) == []


async def test_an_instance_that_stalled_past_its_lease_writes_nothing_after(tmp_path,
                                                                            database_url,
                                                                            upstream):
    """A holds the run but goes quiet past the timeout (its heartbeat made stale in the
    table; its own rounds are far apart); B takes the run over while A still has answers
    under way. A writes none of them: B's run ends `done`, each case scored once."""
    env = upstream_env(upstream) | {"RUN_HEARTBEAT_INTERVAL": "600",
                                    "RUN_LEASE_TIMEOUT": "1200",
                                    "EVALUATION_CONCURRENCY": str(CONCURRENCY),
                                    "UPSTREAM_IDLE_TIMEOUT": "120"}
    upstream.responders["llama3:8b"] = InFlight(upstream)
    upstream.script("llama3:8b", first_delay=0.4)
    a, b = (create_app(make_settings(tmp_path, database_url, **env)) for _ in range(2))
    async with a.router.lifespan_context(a), b.router.lifespan_context(b):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=a),
                                     base_url="http://a.test") as on_a:
            accounts = Accounts(on_a)
            await accounts.admin()
            headers = bearer(accounts.admin_token)
            evaluation_id = await create(on_a, headers, 9)
            assert (await on_a.post(f"{BASE}/{evaluation_id}/run",
                                    headers=headers)).status_code == 200

            async def first_scored() -> bool:
                return len(await results(on_a, headers, evaluation_id)) >= 1
            await eventually(first_scored, 30)
            async with a.state.services.write_sessionmaker() as session:
                await session.execute(update(EvaluationRow)
                                      .where(EvaluationRow.id == evaluation_id)
                                      .values(heartbeat_at=now_ms() - STALE))
                await session.commit()
            assert await take_over(b.state.services, evaluation_id)
            got = await finished(on_a, headers, evaluation_id)
            assert got["status"] == "done", got

            async def a_let_go() -> bool:
                return not a.state.services.tasks.all()
            await eventually(a_let_go, 30)
            final = await results(on_a, headers, evaluation_id)
    assert sorted(r["position"] for r in final) == list(range(9))
    assert all(r["passed"] and r["error"] is None for r in final)
