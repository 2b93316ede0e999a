"""Evaluations benchmark, in process (httpx over ASGI, no sockets to the app; the model
server is the scripted upstream of tests/support on a real socket):

1. a run of CASES cases on two models, each answer arriving after DELAY seconds, at
   EVALUATION_CONCURRENCY 1, 4 and 16: wall time, model calls per second, and the time
   per call beyond the model's at concurrency 1 (wall / calls - DELAY: Parley's work and
   the scripted server's, which runs on the same event loop);
2. `GET /api/evaluations/:id/results` as JSON and as CSV over those results;
3. `GET /api/v1/evaluations/leaderboard` over FEEDBACK rating rows among 20 models.

It measures and reports; it is not a test.

    .venv/bin/python bench/evaluations.py [--backend sqlite|postgres|both]
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repo root, not bench/, comes first: bench/graphql.py would shadow graphql-core.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from asgi import create_app  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.support.databases import create_pg_database, drop_pg_database  # noqa: E402
from tests.support.upstream import ScriptedUpstream  # noqa: E402

CASES, DELAY, FEEDBACK = 500, 0.05, 10_000
ADMIN = {"name": "Bench", "email": "bench@example.com", "password": "bench-password-1"}


def answer(body: dict) -> str:
    return str(2 * int(body["messages"][-1]["content"].split()[1]))


async def timed(client, method, path, headers, repeat=10) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        got = await client.request(method, path, headers=headers)
        assert got.status_code == 200, got.text
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def run_once(url: str, tmp: Path, upstream, concurrency: int) -> dict:
    settings = make_settings(tmp, url, OLLAMA_BASE_URLS=upstream.url,
                             OPENAI_API_BASE_URLS=upstream.openai_url,
                             EVALUATION_CONCURRENCY=str(concurrency))
    app = create_app(settings)
    out = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
            signed = await client.post("/api/v1/auths/signup", json=ADMIN)
            auth = {"Authorization": f"Bearer {signed.json()['token']}"}
            cases = [{"input": f"double {i}", "scorer": "numeric", "expected": 2 * i}
                     for i in range(CASES)]
            made = await client.post("/api/evaluations", headers=auth, json={
                "name": "bench", "models": ["llama3:8b", "qwen3:4b"],
                "cases_jsonl": "\n".join(json.dumps(c) for c in cases)})
            evaluation = made.json()["id"]
            started = time.perf_counter()
            await client.post(f"/api/evaluations/{evaluation}/run", headers=auth)
            while True:
                got = await client.get(f"/api/evaluations/{evaluation}", headers=auth)
                if got.json()["status"] != "running":
                    break
                await asyncio.sleep(0.5)  # rare: the polling must not slow the run
            out["wall_s"] = time.perf_counter() - started
            out["calls_per_s"] = 2 * CASES / out["wall_s"]
            base = f"/api/evaluations/{evaluation}/results"
            out["results_json_ms"] = await timed(client, "GET", base, auth, 5)
            out["results_csv_ms"] = await timed(client, "GET", base + "?format=csv", auth, 5)
            if concurrency == 1:
                await insert_feedback(app)
                out["leaderboard_ms"] = await timed(
                    client, "GET", "/api/v1/evaluations/leaderboard", auth, 5)
    return out


async def insert_feedback(app) -> None:
    rows = []
    for i in range(FEEDBACK):
        data = {"rating": 1 if i % 3 else -1, "model_id": f"m{i % 20}",
                "sibling_model_ids": [f"m{(i + 1 + i % 7) % 20}"], "tags": [f"t{i % 9}"]}
        rows.append({"id": str(uuid.uuid4()), "d": json.dumps(data), "t": 1_700_000_000 + i})
    async with app.state.services.sessionmaker() as session:
        await session.execute(text(
            "INSERT INTO feedback (id, user_id, version, type, data, meta, snapshot, "
            "created_at, updated_at) VALUES (:id, 'u', 0, 'rating', :d, NULL, NULL, :t, :t)"),
            rows)
        await session.commit()


async def bench(backend: str) -> None:
    async with ScriptedUpstream() as upstream:
        for model in ("llama3:8b", "qwen3:4b"):
            upstream.script(model, first_delay=DELAY)
            upstream.responders[model] = answer
        for concurrency in (1, 4, 16):
            with tempfile.TemporaryDirectory() as tmp:
                url = (f"sqlite:///{tmp}/webui.db" if backend == "sqlite"
                       else await create_pg_database("parley_bench"))
                try:
                    found = await run_once(url, Path(tmp), upstream, concurrency)
                finally:
                    if backend == "postgres":
                        await drop_pg_database(url)
            upstream.requests.clear()
            line = (f"{backend:8} concurrency {concurrency:2}: {2 * CASES} calls in "
                    f"{found['wall_s']:.2f} s = {found['calls_per_s']:.0f}/s; results "
                    f"JSON {found['results_json_ms']:.0f} ms, CSV "
                    f"{found['results_csv_ms']:.0f} ms")
            if concurrency == 1:
                own = (found["wall_s"] / (2 * CASES) - DELAY) * 1000
                line += (f"; own time per call {own:.1f} ms; leaderboard over "
                         f"{FEEDBACK} votes {found['leaderboard_ms']:.0f} ms")
            print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        asyncio.run(bench(backend))


if __name__ == "__main__":
    main()
