"""Fan-out: one completion followed by N WebSocket subscribers on one Parley process.

The scripted upstream stamps every piece of its answer with the time it sent it; each
subscriber (graphql-transport-ws, `chatCompletion(taskId:)`) checks that it receives
every piece, in order, and records how long after sending it arrived. Reports the
delivery lag (p50, p99, max) over all pieces and subscribers, and Parley's CPU.

    .venv/bin/python bench/fanout.py [--subscribers 500] [--chunks 200] [--delay 0.02]
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from foundation import HOST, ROOT, SIGNUP, Server, cpu_seconds, free_port, request
from websockets.asyncio.client import connect

START = 'mutation { startCompletion(input: {model: "llama3:8b", prompt: "hi"}) { task { id } } }'
FOLLOW = ("subscription($id: ID!) { chatCompletion(taskId: $id) { __typename "
          "... on CompletionDelta { content } } }")
PIECE = re.compile(r"tok(\d+)@([0-9.]+) ")


async def subscriber(port: int, token: str, task_id: str, ready: asyncio.Event,
                     connected: list, chunks: int) -> tuple[list[float], bool]:
    lags, expected = [], 0
    async with connect(f"ws://{HOST}:{port}/graphql", subprotocols=["graphql-transport-ws"],
                       max_queue=None, open_timeout=60) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": FOLLOW, "variables": {"id": task_id}}}))
        connected.append(1)
        if len(connected) == ready.count:  # type: ignore[attr-defined]
            ready.set()
        async for raw in socket:
            now = time.monotonic()
            message = json.loads(raw)
            if message["type"] == "complete":
                break
            event = message["payload"]["data"]["chatCompletion"]
            if event["__typename"] != "CompletionDelta":
                continue
            for index, sent in PIECE.findall(event["content"]):
                if int(index) != expected:
                    return lags, False
                expected += 1
                lags.append(now - float(sent))
    return lags, expected == chunks


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def run(args, port: int, token: str, pid: int) -> dict:
    status, raw = await asyncio.to_thread(
        request, port, "POST", "/graphql", {"query": START},
        {"Authorization": f"Bearer {token}"})
    task_id = json.loads(raw)["data"]["startCompletion"]["task"]["id"]
    ready, connected = asyncio.Event(), []
    ready.count = args.subscribers  # type: ignore[attr-defined]
    started = time.monotonic()
    tasks = [asyncio.ensure_future(subscriber(port, token, task_id, ready, connected,
                                              args.chunks))
             for _ in range(args.subscribers)]
    await asyncio.wait_for(ready.wait(), args.first_delay)
    joined = time.monotonic() - started
    cpu0 = cpu_seconds(pid)
    results = await asyncio.gather(*tasks)
    cpu = cpu_seconds(pid) - cpu0
    lags = [lag for lags, _ in results for lag in lags]
    complete = sum(ok for _, ok in results)
    return {"subscribers": args.subscribers, "chunks": args.chunks, "delay_s": args.delay,
            "joined_s": round(joined, 2), "complete_in_order": complete,
            "pieces_delivered": len(lags), "lag_p50_ms": pct(lags, 50) * 1e3,
            "lag_p99_ms": pct(lags, 99) * 1e3, "lag_max_ms": max(lags) * 1e3,
            "server_cpu_s": round(cpu, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between chunks")
    parser.add_argument("--first-delay", type=float, default=20.0,
                        help="seconds the upstream waits before answering, while "
                             "subscribers connect")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    upstream_port = free_port()
    upstream = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("proxy.py")), "--serve-upstream",
         str(upstream_port), "--chunks", str(args.chunks), "--delay", str(args.delay),
         "--first-delay", str(args.first_delay), "--stamped"],
        stdout=subprocess.PIPE, text=True)
    assert upstream.stdout is not None and upstream.stdout.readline().strip() == "ready"
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-fanout-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UVICORN_WORKERS")}
    env.update(DATA_DIR=str(tmp), HOST=HOST, PORT=str(free_port()),
               WEBUI_SECRET_KEY=secrets.token_hex(32),
               OLLAMA_BASE_URLS=f"http://{HOST}:{upstream_port}", ENABLE_OPENAI_API="false",
               UPSTREAM_IDLE_TIMEOUT=str(args.first_delay + 30))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    server = Server(str(ROOT), env, tmp / "server.log")
    try:
        server.start()
        status, raw = request(server.env_port, "POST", "/api/v1/auths/signup", SIGNUP)
        token = json.loads(raw)["token"]
        result = asyncio.run(run(args, server.env_port, token, server.proc.pid))
    finally:
        server.stop()
        upstream.terminate()
        upstream.wait(10)
    print(f"{result['subscribers']} subscribers, {result['chunks']} chunks "
          f"{result['delay_s'] * 1e3:g} ms apart (subscribers connected in "
          f"{result['joined_s']} s)")
    print(f"complete and in order: {result['complete_in_order']}/{result['subscribers']}; "
          f"pieces delivered: {result['pieces_delivered']}")
    print(f"delivery lag: p50 {result['lag_p50_ms']:.1f} ms, p99 {result['lag_p99_ms']:.1f} "
          f"ms, max {result['lag_max_ms']:.1f} ms; Parley CPU {result['server_cpu_s']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
