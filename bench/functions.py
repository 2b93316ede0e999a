"""What functions cost, measured in one run on SQLite (a measurement, not a test).

Prints: a worker's start-up (cold: a new process, to its first answer) and a warm call's
round trip; and, through the app in process (httpx over ASGI) against the scripted
upstream of tests/support, the median time of a non-streamed `/api/chat/completions`
plain, with one global filter (inlet in a worker), and of a trivial pipe model, each as
a ratio to the plain completion measured in the same run.

    .venv/bin/python bench/functions.py [--calls 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repo root, not bench/ (whose graphql.py would shadow the graphql package).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import httpx  # noqa: E402

from asgi import create_app  # noqa: E402
from data.functions.pool import WorkerPool  # noqa: E402
from data.functions.settings import FunctionSettings  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.support.ai import UPSTREAM_KEY, upstream_env  # noqa: E402
from tests.support.upstream import ScriptedUpstream  # noqa: E402

FILTER = '''
class Filter:
    def inlet(self, body):
        body["messages"][-1]["content"] += " (filtered)"
        return body
'''
PIPE = '''
class Pipe:
    def pipe(self, body):
        return "hi"
'''


async def worker_startup(runs: int) -> tuple[list[float], list[float]]:
    cold, warm = [], []
    for _ in range(runs):
        pool = WorkerPool(FunctionSettings(workers=1))
        started = time.perf_counter()
        async for _message in pool.call({"op": "check", "source": PIPE}):
            pass
        cold.append(time.perf_counter() - started)
        for _ in range(10):
            started = time.perf_counter()
            async for _message in pool.call({"op": "call", "method": "pipe", "source": PIPE,
                                              "body": {}}):
                pass
            warm.append(time.perf_counter() - started)
        await pool.close()
    return cold, warm


async def timed(client, headers, body, calls: int) -> float:
    for _ in range(5):  # warm up: connections, workers, caches
        assert (await client.post("/api/chat/completions", headers=headers,
                                  json=body)).status_code == 200
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        response = await client.post("/api/chat/completions", headers=headers, json=body)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(times)


async def completions(calls: int) -> dict[str, float]:
    async with ScriptedUpstream(key=UPSTREAM_KEY) as upstream:
        with tempfile.TemporaryDirectory() as tmp:
            settings = make_settings(Path(tmp), f"sqlite:///{tmp}/webui.db",
                                     **upstream_env(upstream))
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport,
                                             base_url="http://bench") as client:
                    return await _scenarios(client, calls)


async def _scenarios(client, calls: int) -> dict[str, float]:
    signup = await client.post("/api/v1/auths/signup", json={
        "name": "Bench", "email": "bench@example.com", "password": "bench-pass-1"})
    headers = {"Authorization": f"Bearer {signup.json()['token']}"}
    client.cookies.clear()
    ask = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    figures = {"plain": await timed(client, headers, ask, calls)}
    for function_id, content in (("bench_pipe", PIPE), ("bench_filter", FILTER)):
        made = await client.post("/api/v1/functions/create", headers=headers, json={
            "id": function_id, "name": function_id, "content": content, "meta": {}})
        assert made.status_code == 200, made.text
        await client.post(f"/api/v1/functions/id/{function_id}/toggle", headers=headers)
    figures["pipe"] = await timed(client, headers, ask | {"model": "bench_pipe"}, calls)
    await client.post("/api/v1/functions/id/bench_filter/toggle/global", headers=headers)
    figures["filtered"] = await timed(client, headers, ask, calls)
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--startups", type=int, default=5)
    args = parser.parse_args()
    cold, warm = await worker_startup(args.startups)
    print(f"worker start-up, cold (to first answer): median {statistics.median(cold)*1000:.0f} ms"
          f" over {len(cold)}")
    print(f"warm call round trip (trivial pipe): median {statistics.median(warm)*1000:.1f} ms"
          f" over {len(warm)}")
    figures = await completions(args.calls)
    plain = figures["plain"]
    print(f"/api/chat/completions, non-streamed, median of {args.calls}:")
    for name in ("plain", "filtered", "pipe"):
        print(f"  {name:9s} {figures[name]*1000:7.1f} ms   x{figures[name]/plain:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
