"""Chats benchmark: listing speed against chat size, and REST against GraphQL.

For each backend it starts `asgi.py` (as bench/foundation.py does), signs up a user and
creates 200 chats of 20 messages each, then measures with bench/loadgen.py:

1. `GET /api/v1/chats/` and the equivalent GraphQL query (`chats(first: 200)` with the
   same fields) at concurrency 1 and 32: p50/p99 latency and requests per second; the
   GraphQL query's goal is at most 2x the REST route's latency;
2. the same list for a second user with 200 chats, one of which holds 10 MB of messages,
   measured in rounds interleaved with the first user's; the goal is the same time
   within 20 %.

Concurrency-1 figures are medians over the rounds. "cpu ms/req" is the server's CPU time
per request, a figure that other load on the machine disturbs less than latency.

It measures and reports; it is not a test. The exit status is non-zero only when the
benchmark itself could not run.

    .venv/bin/python bench/chats.py [--backend sqlite|postgres|both] [--duration S]
"""

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import foundation  # noqa: E402  (bench/ is a folder of scripts, not a package)

CHATS, MESSAGES, BIG_CHAT_MB = 200, 20, 10
ADMIN = {"name": "Bench", "email": "bench@example.com", "password": "bench-password-1"}
OTHER = {"name": "Big", "email": "big@example.com", "password": "bench-password-2",
         "role": "user"}
GRAPHQL_LIST = json.dumps({"query": "{ chats(first: 200) { nodes { id title updatedAt "
                                    "createdAt archived } } }"})
REST = ("rest GET /api/v1/chats/", "GET", "/api/v1/chats/", None)
GRAPHQL = ("graphql chats(first: 200)", "POST", "/graphql", GRAPHQL_LIST)


def history(count: int, content_chars: int, start: int = 0) -> dict:
    messages, parent = {}, None
    for i in range(start, start + count):
        message_id = f"m{i}"
        messages[message_id] = {
            "id": message_id, "parentId": parent, "childrenIds": [],
            "role": "user" if i % 2 == 0 else "assistant",
            "content": ("lorem ipsum " * (content_chars // 12 + 1))[:content_chars],
            "timestamp": 1_760_000_000 + i}
        if parent is not None:
            messages[parent]["childrenIds"].append(message_id)
        parent = message_id
    return {"messages": messages, "currentId": parent}


def call(port: int, method: str, path: str, body=None, token=None, timeout=120.0):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, raw = foundation.request(port, method, path, body, headers, timeout=timeout)
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path} returned {status}: {raw[:300]!r}")
    return json.loads(raw)


def seed(port: int) -> dict[str, str]:
    """Two users with 200 chats of 20 messages each; one of the second user's chats then
    grows to 10 MB. Returns {"small": token, "big": token}: the same list, measured
    interleaved for both users, shows what the big chat costs whatever else the machine
    is doing meanwhile."""
    small = call(port, "POST", "/api/v1/auths/signup", ADMIN)["token"]
    call(port, "POST", "/api/v1/auths/add", OTHER, small)
    big = call(port, "POST", "/api/v1/auths/signin", {"email": OTHER["email"],
                                                       "password": OTHER["password"]})["token"]
    for token in (small, big):
        first = None
        for i in range(CHATS):
            chat = call(port, "POST", "/api/v1/chats/new",
                        {"chat": {"title": f"Chat {i}", "history": history(MESSAGES, 300)}},
                        token)
            first = first or chat["id"]
    per_message = 50_000
    grown = history(BIG_CHAT_MB * 1024 * 1024 // per_message + 1, per_message)
    call(port, "POST", f"/api/v1/chats/{first}", {"chat": {"history": grown}}, big)
    return {"small": small, "big": big}


def measure(args, server, token, scenario, concurrency, label):
    name, method, path, body = scenario
    cpu0 = foundation.cpu_seconds(server.proc.pid)
    result = foundation.run_scenario(args, server.env_port, token, method, path, body,
                                     concurrency)
    busy = foundation.cpu_seconds(server.proc.pid) - cpu0
    served = result["rps"] * (args.duration + args.warmup)
    result.update(scenario=name, user=label,
                  server_cpu_ms=round(1000 * busy / served, 2) if served else None)
    print(f"  {name:28} {label:5} c={concurrency:<3} {result['rps']:>7.0f} req/s  p50 "
          f"{result['p50_ms']} ms  p99 {result['p99_ms']} ms  server cpu "
          f"{result['server_cpu_ms']} ms/req  errors {result['errors']}", file=sys.stderr)
    return result


def bench_backend(args, backend: str) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"parley-bench-chats-{backend}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UVICORN_WORKERS")}
    env.update(DATA_DIR=str(tmp), HOST=foundation.HOST, PORT=str(foundation.free_port()),
               WEBUI_SECRET_KEY=secrets.token_hex(32))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = args.pycache
    dbname = None
    if backend == "postgres":
        dbname = f"parley_bench_{secrets.token_hex(4)}"
        asyncio.run(foundation._pg(f"{args.pg_url}/postgres", f'CREATE DATABASE "{dbname}"'))
        env["DATABASE_URL"] = f"{args.pg_url}/{dbname}"
    server = foundation.Server(str(foundation.ROOT), env, tmp / "server.log")
    result: dict = {"backend": backend, "runs": []}
    try:
        server.start()
        started = time.perf_counter()
        tokens = seed(server.env_port)
        result["seed_s"] = round(time.perf_counter() - started, 1)
        for label, token in tokens.items():
            listed = call(server.env_port, "GET", "/api/v1/chats/", token=token)
            assert len(listed) == CHATS, f"{label}: listed {len(listed)} chats"
        for _ in range(args.rounds):  # interleaved, so drift hits every figure alike
            for scenario in (REST, GRAPHQL):
                for label in ("small", "big"):
                    result["runs"].append(measure(args, server, tokens[label], scenario, 1,
                                                  label))
        for concurrency in (c for c in args.concurrency if c != 1):
            for scenario in (REST, GRAPHQL):
                result["runs"].append(measure(args, server, tokens["small"], scenario,
                                              concurrency, "small"))
    except Exception as error:  # report and go on to the next backend
        result["error"] = str(error)
        print(f"{backend}: FAILED: {str(error).splitlines()[0]}", file=sys.stderr)
        print(server.log_tail(), file=sys.stderr)
    finally:
        server.stop()
        if dbname:
            asyncio.run(foundation._pg(f"{args.pg_url}/postgres",
                                       f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def summary(runs: list[dict], scenario: str, label: str, concurrency: int) -> dict:
    """Medians over the rounds of one scenario."""
    chosen = [r for r in runs if r["scenario"] == scenario and r["user"] == label
              and r["concurrency"] == concurrency]
    figures = ("rps", "p50_ms", "p99_ms", "server_cpu_ms")
    out = {f: statistics.median(r[f] for r in chosen) for f in figures}
    return out | {"errors": sum(r["errors"] for r in chosen), "rounds": len(chosen)}


def report(results: list[dict], concurrencies: list[int]) -> None:
    for r in results:
        print(f"\n== {r['backend']} ==  ({CHATS} chats of {MESSAGES} messages per user; "
              f"seeded in {r.get('seed_s', '-')} s)")
        if "error" in r:
            print(f"ERROR: {r['error']}")
            continue
        print(f"{'scenario':28} {'conc':>4} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'cpu ms/req':>10} {'errors':>6}")
        table = {}
        for concurrency in concurrencies:
            for scenario in (REST[0], GRAPHQL[0]):
                s = table[(scenario, concurrency)] = summary(r["runs"], scenario, "small",
                                                             concurrency)
                print(f"{scenario:28} {concurrency:>4} {s['rps']:>7.0f} {s['p50_ms']:>8.2f} "
                      f"{s['p99_ms']:>8.2f} {s['server_cpu_ms']:>10.2f} {s['errors']:>6}")
        for concurrency in concurrencies:
            rest, graphql = table[(REST[0], concurrency)], table[(GRAPHQL[0], concurrency)]
            ratio = graphql["p50_ms"] / rest["p50_ms"]
            print(f"GraphQL / REST p50 at c={concurrency}: {ratio:.2f}x  goal <= 2x  "
                  f"{'ok' if ratio <= 2 else 'MISSED'}  (server cpu per request "
                  f"{graphql['server_cpu_ms'] / rest['server_cpu_ms']:.2f}x)")
        print(f"the same list when one of the 200 chats holds {BIG_CHAT_MB} MB "
              "(c=1, interleaved rounds):")
        for scenario in (REST[0], GRAPHQL[0]):
            small = summary(r["runs"], scenario, "small", 1)
            big = summary(r["runs"], scenario, "big", 1)
            change = big["p50_ms"] / small["p50_ms"] - 1
            cpu = big["server_cpu_ms"] / small["server_cpu_ms"] - 1
            print(f"  {scenario:28} p50 {small['p50_ms']:.2f} -> {big['p50_ms']:.2f} ms "
                  f"({change:+.0%})  goal within 20%  "
                  f"{'ok' if abs(change) <= 0.2 else 'MISSED'}  (server cpu per request "
                  f"{small['server_cpu_ms']:.2f} -> {big['server_cpu_ms']:.2f} ms, "
                  f"{cpu:+.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="discarded seconds before each scenario")
    parser.add_argument("--concurrency", default="1,32", help="comma-separated counts")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of the concurrency-1 scenarios")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--pycache", default=os.path.join(tempfile.gettempdir(),
                                                          "parley-bench-pycache"))
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.wrk = False
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    load_before = os.getloadavg()[0]
    results = [bench_backend(args, backend) for backend in backends]
    report(results, args.concurrency)
    print(f"\n1-min load average before the run: {load_before:.2f} on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results}, indent=2) + "\n")
    sys.exit(1 if any("error" in r for r in results) else 0)


if __name__ == "__main__":
    main()
