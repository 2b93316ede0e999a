"""Embedded vector store benchmark: ingest throughput and query latency at 10k and 100k
chunks of 384 dimensions, on SQLite and PostgreSQL, against a floor measured in the same
run: a bare numpy product of the same matrix with the query vector.

Each case runs in a process of its own (so its resident memory is its own):

1. ingest N chunks (random unit vectors, a 40-word text, a little metadata) through
   `EmbeddedStore.insert` in calls of 1,000 items, each one transaction: chunks/s, with
   no embedding time (the vectors are made beforehand);
2. the first search (loads the collection's matrix into memory), then 300 searches
   with top-5 and 100 with a metadata filter: p50/p99 ms;
3. 1,000 more chunks added, then the first search (the matrix refreshed with the new
   rows only);
4. the floor: `matrix @ query` over the same normalised float32 matrix, p50/p99 ms;
5. resident memory (VmRSS; RssAnon, the process's own, and RssFile, pages of SQLite's
   memory-mapped file) before the first search and after all searches.

Goals: a 100k search within 2x the floor; under 300 MB resident for 100k chunks.
It measures and reports; the exit status is non-zero only if it could not run.

    .venv/bin/python bench/vectors.py [--backend sqlite|postgres|both] [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIMS, BATCH, QUERIES, FILTERED = 384, 1000, 300, 100
PG = os.environ.get("PARLEY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi chi psi omega").split()


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory; RssAnon is the process's own, RssFile the pages of files it
    maps (SQLite's memory-mapped database: page cache the kernel can reclaim)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run_case(backend: str, size: int) -> dict:
    import numpy as np

    from data.db import create_engine, create_sessionmaker
    from data.migrate import migrate
    from data.point_reads import create_point_reader
    from data.vectors import EmbeddedStore, Item

    rng = np.random.default_rng(7)
    temp = tempfile.TemporaryDirectory()
    if backend == "sqlite":
        url, drop = f"sqlite+aiosqlite:///{temp.name}/bench.db", None
    else:
        import asyncpg
        name = f"parley_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(PG + "/postgres")
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        url, drop = f"postgresql+asyncpg://{PG.split('://', 1)[1]}/{name}", name
    engine = create_engine(url)
    reader = None
    try:
        await migrate(engine)
        reader = create_point_reader(url)
        store = EmbeddedStore(create_sessionmaker(engine), create_sessionmaker(engine,
                              write=True), engine.dialect.name, reader)
        ingest = 0.0
        for start in range(0, size, BATCH):
            count = min(BATCH, size - start)
            vectors = rng.standard_normal((count, DIMS), dtype=np.float32)
            items = [Item(f"c{start + i}", " ".join(rng.choice(WORDS, 40)),
                          vectors[i].tolist(), {"file_id": f"f{(start + i) % 100}",
                                                "start_index": i * 900})
                     for i in range(count)]
            began = time.perf_counter()
            await store.insert("bench", items)
            ingest += time.perf_counter() - began
        del items, vectors
        rss_before = rss_mb()
        queries = rng.standard_normal((QUERIES, DIMS), dtype=np.float32)
        began = time.perf_counter()
        await store.search("bench", [queries[0].tolist()], limit=5)
        cold = time.perf_counter() - began
        matrix = store.cache._matrices["bench"].rows
        ours, floor = [], []
        for q in queries:  # interleaved, so both see the machine's same moments
            began = time.perf_counter()
            await store.search("bench", [q.tolist()], limit=5)
            ours.append(time.perf_counter() - began)
            unit = q / np.linalg.norm(q)
            began = time.perf_counter()
            matrix @ unit
            floor.append(time.perf_counter() - began)
        filtered = []
        for q in queries[:FILTERED]:
            began = time.perf_counter()
            await store.search("bench", [q.tolist()], limit=5, filter={"file_id": "f3"})
            filtered.append(time.perf_counter() - began)
        more = rng.standard_normal((BATCH, DIMS), dtype=np.float32)
        await store.insert("bench", [Item(f"more{i}", "more", more[i].tolist())
                                     for i in range(BATCH)])
        began = time.perf_counter()
        await store.search("bench", [queries[0].tolist()], limit=5)
        refresh = time.perf_counter() - began
        matrix = store.cache._matrices["bench"].rows
        ms = 1000
        return {
            "backend": backend, "chunks": size,
            "ingest_chunks_per_s": round(size / ingest),
            "first_search_ms": round(cold * ms, 1),
            "search_after_adding_1000_ms": round(refresh * ms, 1),
            "search_p50_ms": round(statistics.median(ours) * ms, 2),
            "search_p99_ms": round(percentile(ours, 0.99) * ms, 2),
            "filtered_p50_ms": round(statistics.median(filtered) * ms, 2),
            "floor_p50_ms": round(statistics.median(floor) * ms, 2),
            "floor_p99_ms": round(percentile(floor, 0.99) * ms, 2),
            "ratio_p50": round(statistics.median(ours) / statistics.median(floor), 2),
            "matrix_mb": round(matrix.nbytes / 2**20, 1),
            "rss_before_search_mb": round(rss_before),
            "rss_after_mb": round(rss_mb()),
            "rss_anon_after_mb": round(rss_mb("RssAnon")),
            "rss_file_after_mb": round(rss_mb("RssFile")),
        }
    finally:
        if reader is not None:
            await reader.close()
        await engine.dispose()
        if drop:
            import asyncpg
            admin = await asyncpg.connect(PG + "/postgres")
            await admin.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
            await admin.close()
        temp.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="both", choices=("sqlite", "postgres", "both"))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # backend:size, in a child
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    if args.case:
        backend, size = args.case.split(":")
        print(json.dumps(asyncio.run(run_case(backend, int(size)))))
        return 0
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        for size in (int(s) for s in args.sizes.split(",")):
            done = subprocess.run([sys.executable, __file__, "--case", f"{backend}:{size}"],
                                  capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            result = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(result)
            report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def report(r: dict) -> None:
    goal = ""
    if r["chunks"] >= 100_000:
        goal = (f"  [search {'within' if r['ratio_p50'] <= 2 else 'MISSES'} 2x floor; "
                f"rss anon {'under' if r['rss_anon_after_mb'] < 300 else 'OVER'} 300 MB]")
    print(f"{r['backend']:8} {r['chunks']:>7} chunks: ingest {r['ingest_chunks_per_s']}/s; "
          f"first search {r['first_search_ms']} ms, after +1000 "
          f"{r['search_after_adding_1000_ms']} ms; search p50 {r['search_p50_ms']} ms "
          f"p99 {r['search_p99_ms']} ms (filtered p50 {r['filtered_p50_ms']} ms); floor p50 "
          f"{r['floor_p50_ms']} ms p99 {r['floor_p99_ms']} ms; ratio {r['ratio_p50']}x; "
          f"matrix {r['matrix_mb']} MB, rss {r['rss_before_search_mb']} -> "
          f"{r['rss_after_mb']} MB (anon {r['rss_anon_after_mb']}, file "
          f"{r['rss_file_after_mb']}){goal}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
