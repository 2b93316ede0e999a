"""Run leases benchmark: what one round of an instance's lease keeping costs (renewing
the leases of the runs it holds, then sweeping for orphaned pipeline runs and evaluation
runs), on a database that holds many finished runs, and how long a run left by a dead
instance takes to be settled.

In process, on a fresh migrated database per backend:

1. `RUNS` finished pipeline runs and `RUNS` finished evaluations are written, and `HELD`
   running pipeline runs held by the measuring instance;
2. the median of repeated rounds (`resolvers.tasks.leases.sweep`) is reported;
3. one pipeline run and one evaluation (all cases scored) are left as a dead instance
   leaves them, and the time until the sweep has ended or resumed them is reported.

It measures and reports; it is not a test.

    .venv/bin/python bench/run_leases.py [--backend sqlite|postgres|both] [--rounds N]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/ holds graphql.py, which must not shadow graphql-core

from asgi import ORPHAN_SWEEPERS, create_app  # noqa: E402
from data.settings import load_settings  # noqa: E402
from data.tables import EvaluationRow, PipelineRunRow  # noqa: E402
from resolvers.tasks.leases import now_ms, sweep  # noqa: E402
from tests.support.databases import create_pg_database, drop_pg_database, migrated  # noqa: E402
from tests.support.server import CHEAP_PASSWORD_HASHING  # noqa: E402

RUNS, HELD = 10_000, 20


def pipeline_run(status: str, **lease) -> PipelineRunRow:
    return PipelineRunRow(id=str(uuid.uuid4()), pipeline_id="p", pipeline_version=1,
                          user_id="u", task_id="t", status=status, input="x",
                          definition={"steps": []}, steps=[], started_at=now_ms(), **lease)


def evaluation(status: str, **lease) -> EvaluationRow:
    return EvaluationRow(id=str(uuid.uuid4()), user_id="u", name="e", description="",
                         models=["m"], status=status, created_at=1, updated_at=1, **lease)


async def measure(url: str, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        # Long intervals: the rounds measured are the only ones.
        app = create_app(load_settings({
            "DATA_DIR": data, "DATABASE_URL": url, "WEBUI_SECRET_KEY": "bench-secret-0123",
            "RUN_HEARTBEAT_INTERVAL": "600", "RUN_LEASE_TIMEOUT": "1200",
            **CHEAP_PASSWORD_HASHING}))
        async with app.router.lifespan_context(app):
            services = app.state.services
            me = services.leases.instance_id
            async with services.write_sessionmaker() as session:
                session.add_all([pipeline_run("succeeded") for _ in range(RUNS)])
                session.add_all([evaluation("done") for _ in range(RUNS)])
                held = [pipeline_run("running", lease_owner=me, heartbeat_at=now_ms())
                        for _ in range(HELD)]
                session.add_all(held)
                await session.commit()
            for row in held:
                services.leases.hold("pipeline", row.id)
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                await sweep(services, ORPHAN_SWEEPERS)
                times.append((time.perf_counter() - started) * 1000)
            stale = {"lease_owner": "dead", "heartbeat_at": 1}
            async with services.write_sessionmaker() as session:
                session.add_all([pipeline_run("running", **stale),
                                 evaluation("running", **stale)])
                await session.commit()
            started = time.perf_counter()
            await sweep(services, ORPHAN_SWEEPERS)
            settled = (time.perf_counter() - started) * 1000
            # The resumed evaluation has nothing to ask: let it end before the shutdown.
            while services.tasks.all():  # noqa: ASYNC110 (state held by the runner)
                await asyncio.sleep(0.01)
        return {"round_ms": statistics.median(times), "settle_ms": settled}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bench.db"
                await migrated(url)
                found = await measure(url, args.rounds)
        else:
            url = await create_pg_database("parley_bench")
            try:
                await migrated(url)
                found = await measure(url, args.rounds)
            finally:
                await drop_pg_database(url)
        print(f"{backend}: one round (renew {HELD} leases, sweep {RUNS} finished runs and "
              f"{RUNS} evaluations) {found['round_ms']:.2f} ms median; a dead instance's "
              f"pipeline run and evaluation settled in one round of {found['settle_ms']:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
