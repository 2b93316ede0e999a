"""GraphQL benchmark: Parley against PostGraphile 4 on the same PostgreSQL data.

Seeds one user with 200 chats of 20 messages through Parley's REST routes, on
PostgreSQL and on SQLite, and exposes the PostgreSQL database to PostGraphile 4 (the npm
package pinned in bench/postgraphile/, read-only views in a schema of its own). Then:

1. checks that Parley and PostGraphile answer each query with the same ids;
2. counts the SQL statements each server runs per query, through a counting proxy
   (bench/pgcount.py), at chat page sizes 10, 50 and 200;
3. measures Q2, Q3 and Q4 (below) with bench/loadgen.py at 1 and 32 connections, in
   interleaved rounds (every server and query once per round, so drift on the shared
   machine hits all figures alike), and prints Parley's ratios to PostGraphile, and
   Parley on SQLite against Parley on PostgreSQL.

    Q2  chats(first: 50) { nodes { id title updatedAt } }, newest first
    Q3  Q2 with owner { name } and messages(first: 5) { nodes { id role content } }
    Q4  chat(id:) { id title updatedAt messages { nodes { id role content createdAt } } }

Both sides authenticate every request: Parley with its Bearer token, PostGraphile with a
JWT signed with its --jwt-secret (whose claims it sets in each request's transaction;
the chats view shows only the token's user's chats, as Parley does).

It measures and reports; it is not a test. The exit status is non-zero only when the
benchmark itself could not run.

    .venv/bin/python bench/graphql.py [--duration S] [--rounds N] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import foundation  # noqa: E402  (bench/ is a folder of scripts, not a package)
import graphql_targets as gt  # noqa: E402
from pgcount import CountingProxy  # noqa: E402

PAGE_SIZES = (10, 50, 200)
COUNT_REPEATS = 10


def start_all(args, tmp: Path, stack: list) -> dict[str, gt.Target]:
    """Parley on PostgreSQL (and SQLite), seeded; PostGraphile on the same database."""
    secret = secrets.token_hex(32)
    dbname = gt.create_database(args.pg_url)
    stack.append(lambda: gt.drop_database(args.pg_url, dbname))
    direct = f"{args.pg_url}/{dbname}"
    targets: dict[str, gt.Target] = {}
    backends = [("parley-pg", direct)] + ([] if args.no_sqlite else [("parley-sqlite", None)])
    for name, url in backends:
        (tmp / name).mkdir()
        env = gt.parley_env(args, tmp / name, secret, url)
        server = gt.start_parley(env, tmp / f"{name}.log")
        stack.append(server.stop)
        token, user_id = gt.seed(server.env_port)
        targets[name] = gt.Target(name, server.env_port, token, gt.PARLEY, pid=server.proc.pid,
                                  notes={"env": env, "user_id": user_id})
    gt.expose_to_postgraphile(direct)
    proc, port, jwt_secret = gt.start_postgraphile(direct, tmp / "postgraphile.log")
    stack.append(lambda: gt.stop_process(proc))
    user_id = targets["parley-pg"].notes["user_id"]
    targets["postgraphile"] = gt.Target(
        "postgraphile", port, gt.sign_jwt(jwt_secret, user_id), gt.POSTGRAPHILE, pid=proc.pid,
        notes={"dbname": dbname, "jwt_secret": jwt_secret})
    for target in targets.values():  # Q4 reads the newest chat
        target.chat = target.ask("Q2")["chats"]["nodes"][0]["id"]
    for query in gt.QUERIES:
        gt.check_same(targets["parley-pg"], targets["postgraphile"], query)
        for target in targets.values():
            gt.check_shape(target, query)
    return targets


def count_statements(args, tmp: Path, targets: dict[str, gt.Target]) -> dict:
    """Statements per request, on second instances that reach PostgreSQL through the
    counting proxy (the timed ones connect directly)."""
    proxy = CountingProxy().start()
    stack: list = []
    counts: dict = {}
    try:
        dbname = targets["postgraphile"].notes["dbname"]
        via_proxy = f"postgresql://postgres@127.0.0.1:{proxy.port}/{dbname}"
        env = {**targets["parley-pg"].notes["env"], "DATABASE_URL": via_proxy,
               "PORT": str(foundation.free_port()), "DATA_DIR": str(tmp / "count")}
        (tmp / "count").mkdir()
        server = gt.start_parley(env, tmp / "parley-count.log")
        stack.append(server.stop)
        proc, port, secret = gt.start_postgraphile(via_proxy, tmp / "postgraphile-count.log")
        stack.append(lambda: gt.stop_process(proc))
        user_id = targets["parley-pg"].notes["user_id"]
        counted = {
            "parley": gt.Target("parley", server.env_port, targets["parley-pg"].token,
                                gt.PARLEY, chat=targets["parley-pg"].chat),
            "postgraphile": gt.Target("postgraphile", port, gt.sign_jwt(secret, user_id),
                                      gt.POSTGRAPHILE, chat=targets["postgraphile"].chat)}
        for query in gt.QUERIES:
            for first in (PAGE_SIZES if query != "Q4" else (20,)):
                for name, target in counted.items():
                    target.ask(query, first), target.ask(query, first)  # warm caches
                    proxy.take()
                    for _ in range(COUNT_REPEATS):
                        target.ask(query, first)
                    counts[(query, first, name)] = proxy.take() / COUNT_REPEATS
                    print(f"  statements: {name:12} {query} first={first:<3} "
                          f"{counts[(query, first, name)]:.1f}", file=sys.stderr)
                    if args.show_statements and first in (20, 50):
                        proxy.log = []
                        target.ask(query, first)
                        texts, proxy.log = proxy.log, None
                        print(f"\n{name} {query}, one request:", file=sys.stderr)
                        for text in texts:
                            print(f"  {' '.join(text.split())[:args.show_statements]}",
                                  file=sys.stderr)
                        proxy.take()
    finally:
        for undo in reversed(stack):
            undo()
        proxy.stop()
    return counts


def measure(args, target: gt.Target, query: str, concurrency: int) -> dict:
    cpu0 = foundation.cpu_seconds(target.pid)
    result = foundation.run_scenario(args, target.port, target.token, "POST", "/graphql",
                                     target.body(query), concurrency)
    busy = foundation.cpu_seconds(target.pid) - cpu0
    served = result["rps"] * (args.duration + args.warmup)
    result.update(target=target.name, query=query,
                  cpu_ms=round(1000 * busy / served, 2) if served else None)
    print(f"  {target.name:14} {query} c={concurrency:<3} {result['rps']:>7.0f} req/s  "
          f"p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  cpu {result['cpu_ms']} "
          f"ms/req  errors {result['errors']}", file=sys.stderr)
    return result


def run_rounds(args, targets: dict[str, gt.Target]) -> list[dict]:
    runs = []
    for round_ in range(args.rounds):
        print(f"round {round_ + 1} of {args.rounds}", file=sys.stderr)
        for concurrency in args.concurrency:
            for query in gt.QUERIES:
                for target in targets.values():
                    runs.append(measure(args, target, query, concurrency))
    return runs


def median(runs: list[dict], target: str, query: str, concurrency: int, figure: str):
    values = [r[figure] for r in runs if r["target"] == target and r["query"] == query
              and r["concurrency"] == concurrency and r[figure] is not None]
    return statistics.median(values) if values else float("nan")


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def report(args, runs: list[dict], counts: dict, targets: dict) -> None:
    low, high = min(args.concurrency), max(args.concurrency)
    if runs:
        timings(args, runs, targets, low, high)
    statements(counts)
    errors = sum(r["errors"] for r in runs)
    if errors:
        print(f"\n{errors} requests failed during the measurements")


def timings(args, runs: list[dict], targets: dict, low: int, high: int) -> None:
    print(f"\n== PostgreSQL: Parley against PostGraphile 4, {gt.CHATS} chats x {gt.MESSAGES} "
          f"messages, JWT on both; medians of {args.rounds} interleaved rounds ==")
    print(f"{'query':5} {'Parley p50':>10} {'req/s':>7} {'cpu ms':>7} | {'PostGraphile p50':>16} "
          f"{'req/s':>7} {'cpu ms':>7} | {'req/s ratio':>11} {'p50 ratio':>9} {'cpu ratio':>9}"
          "  goals")
    for query in gt.QUERIES:
        p = {f: median(runs, "parley-pg", query, c, f) for f, c in
             (("p50_ms", low), ("rps", high), ("cpu_ms", high))}
        g = {f: median(runs, "postgraphile", query, c, f) for f, c in
             (("p50_ms", low), ("rps", high), ("cpu_ms", high))}
        rps_ratio, p50_ratio = ratio(p["rps"], g["rps"]), ratio(p["p50_ms"], g["p50_ms"])
        goals = f"req/s >= 0.5: {'ok' if rps_ratio >= 0.5 else 'MISSED'}"
        if query != "Q3":
            goals += f", p50 <= 2x: {'ok' if p50_ratio <= 2 else 'MISSED'}"
        print(f"{query:5} {p['p50_ms']:>7.2f} ms {p['rps']:>7.0f} {p['cpu_ms']:>7.2f} | "
              f"{g['p50_ms']:>13.2f} ms {g['rps']:>7.0f} {g['cpu_ms']:>7.2f} | "
              f"{rps_ratio:>11.2f} {p50_ratio:>8.2f}x "
              f"{ratio(p['cpu_ms'], g['cpu_ms']):>8.2f}x  {goals}")
    print(f"(p50 at {low} connection(s); req/s and the server process's CPU per request at "
          f"{high}; ratios are Parley's figure over PostGraphile's)")
    if "parley-sqlite" in targets:
        print("\n== SQLite: Parley on SQLite against Parley on PostgreSQL (same run) ==")
        print(f"{'query':5} {'SQLite p50':>10} {'req/s':>7} | {'PostgreSQL p50':>14} {'req/s':>7}"
              f" | {'req/s ratio':>11} {'p50 ratio':>9}  goal: no slower")
        for query in gt.QUERIES:
            s50, s_rps = (median(runs, "parley-sqlite", query, low, "p50_ms"),
                          median(runs, "parley-sqlite", query, high, "rps"))
            p50, p_rps = (median(runs, "parley-pg", query, low, "p50_ms"),
                          median(runs, "parley-pg", query, high, "rps"))
            ok = s_rps >= p_rps and s50 <= p50
            print(f"{query:5} {s50:>7.2f} ms {s_rps:>7.0f} | {p50:>11.2f} ms {p_rps:>7.0f} | "
                  f"{ratio(s_rps, p_rps):>11.2f} {ratio(s50, p50):>8.2f}x  "
                  f"{'ok' if ok else 'MISSED'}")


def statements(counts: dict) -> None:
    print("\n== SQL statements per request (PostgreSQL, counted at the wire) ==")
    print(f"{'query':5} {'chats page':>10} {'Parley':>7} {'PostGraphile':>12}")
    for query, first, _ in [k for k in counts if k[2] == "parley"]:
        print(f"{query:5} {first if query != 'Q4' else '-':>10} "
              f"{counts[(query, first, 'parley')]:>7.1f} "
              f"{counts[(query, first, 'postgraphile')]:>12.1f}")
    for name in ("parley", "postgraphile"):
        for query in ("Q2", "Q3"):
            sizes = {counts[(query, first, name)] for first in PAGE_SIZES}
            if len(sizes) > 1:
                print(f"{name}: {query} runs a number of statements that grows with the page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0,
                        help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="discarded seconds before each scenario")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--concurrency", default="1,32", help="comma-separated counts")
    parser.add_argument("--show-statements", type=int, nargs="?", const=400, default=0,
                        metavar="CHARS", help="print each server's statements for one "
                        "request of each query (the first CHARS characters of each)")
    parser.add_argument("--no-sqlite", action="store_true", help="leave out Parley on SQLite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--pycache", default=os.path.join(tempfile.gettempdir(),
                                                          "parley-bench-pycache"))
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.wrk = False
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-graphql-"))
    stack: list = []
    load_before = os.getloadavg()[0]
    try:
        targets = start_all(args, tmp, stack)
        counts = count_statements(args, tmp, targets)
        runs = run_rounds(args, targets)
    finally:
        for undo in reversed(stack):
            undo()
        if args.keep_logs:
            print(f"logs: {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"runs": runs, "statements": [{"query": q, "first": f, "server": s, "per_request": n}
                                          for (q, f, s), n in counts.items()]}, indent=2) + "\n")
    report(args, runs, counts, targets)
    print(f"\n1-min load average before the run: {load_before:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
