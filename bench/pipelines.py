"""Pipelines benchmark: what storing and running a pipeline costs, without upstreams.

In process (the app over httpx's ASGI transport, on a fresh migrated database) it
measures, per backend, the median of repeated

1. saving a 100-step pipeline (99 conditions and an output: every check runs);
2. running it with `?wait=true` (conditions and outputs are recorded with the run's
   end, so this shows the cost per step of running and publishing its events);
3. running a one-step pipeline (the fixed cost of a run: its row, its task, its end).

It measures and reports; it is not a test.

    .venv/bin/python bench/pipelines.py [--backend sqlite|postgres|both] [--runs N]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/ holds graphql.py, which must not shadow graphql-core

import httpx  # noqa: E402

from asgi import create_app  # noqa: E402
from data.settings import load_settings  # noqa: E402
from tests.support.databases import create_pg_database, drop_pg_database, migrated  # noqa: E402
from tests.support.server import CHEAP_PASSWORD_HASHING  # noqa: E402

STEPS = 100
SIGNUP = {"name": "Bench", "email": "bench@example.com", "password": "bench-password-1"}


def long_definition() -> dict:
    steps = [{"name": f"c{i}", "kind": "condition", "input": "{{input}}",
              "contains": "never-there", "then": "out"} for i in range(STEPS - 1)]
    return {"steps": [*steps, {"name": "out", "kind": "output",
                               "template": "{{input}} {{steps.c0.output}}"}]}


async def timed(action) -> float:
    start = time.perf_counter()
    await action()
    return (time.perf_counter() - start) * 1000


async def measure(url: str, data_dir: str, runs: int) -> dict[str, float]:
    settings = load_settings({"DATABASE_URL": url, "DATA_DIR": data_dir,
                              "WEBUI_SECRET_KEY": "bench-secret-0123456789abcdef-0123456789",
                              **CHEAP_PASSWORD_HASHING})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            token = (await client.post("/api/v1/auths/signup", json=SIGNUP)).json()["token"]
            client.cookies.clear()
            headers = {"Authorization": f"Bearer {token}"}
            made: list[str] = []

            async def save() -> None:
                answer = await client.post("/api/pipelines", headers=headers, json={
                    "name": "Long", "definition": long_definition()})
                assert answer.status_code == 200, answer.text
                made.append(answer.json()["id"])

            saves = [await timed(save) for _ in range(runs)]
            small = await client.post("/api/pipelines", headers=headers, json={
                "name": "One", "definition": {"steps": [
                    {"name": "out", "kind": "output", "template": "{{input}}"}]}})

            def runner(pipeline_id: str):
                async def run() -> None:
                    answer = await client.post(f"/api/pipelines/{pipeline_id}/execute",
                                               params={"wait": "true"}, headers=headers,
                                               json={"input": "hello"})
                    assert answer.json()["status"] == "succeeded", answer.text
                return run

            longs = [await timed(runner(made[0])) for _ in range(runs)]
            ones = [await timed(runner(small.json()["id"])) for _ in range(runs)]
    return {"save 100 steps (ms)": statistics.median(saves),
            "run 100 steps (ms)": statistics.median(longs),
            "per step (ms)": statistics.median(longs) / STEPS,
            "run 1 step (ms)": statistics.median(ones)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/webui.db"
                await migrated(url)
                figures = await measure(url, tmp, args.runs)
            else:
                url = await create_pg_database("parley_bench")
                try:
                    await migrated(url)
                    figures = await measure(url, tmp, args.runs)
                finally:
                    await drop_pg_database(url)
        for name, value in figures.items():
            print(f"{backend:8} {name:22} {value:8.1f}")


if __name__ == "__main__":
    asyncio.run(main())
