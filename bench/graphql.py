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
        gt.analyse(url)
        targets[name] = gt.Target(name, server.env_port, token, gt.PARLEY, pid=server.proc.pid,
                                  notes={"env": env, "user_id": user_id,
                                         "dbname": dbname if url else None})
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
    """One scenario; with the CPU per request of the server process and, on PostgreSQL,
    of the database backends (one server is under load at a time, the others idle)."""
    dbname = target.notes.get("dbname")
    db0 = gt.database_cpu(args.pg_url, dbname) if dbname else {}
    cpu0 = foundation.cpu_seconds(target.pid)
    result = foundation.run_scenario(args, target.port, target.token, "POST", "/graphql",
                                     target.body(query), concurrency)
    busy = foundation.cpu_seconds(target.pid) - cpu0
    db = gt.database_cpu(args.pg_url, dbname) if dbname else {}
    db_busy = sum(seconds - db0.get(pid, 0.0) for pid, seconds in db.items())
    served = result["rps"] * (args.duration + args.warmup)
    result.update(target=target.name, query=query,
                  cpu_ms=round(1000 * busy / served, 2) if served else None,
                  db_cpu_ms=round(1000 * db_busy / served, 2) if served and dbname else None)
    print(f"  {target.name:14} {query} c={concurrency:<3} {result['rps']:>7.0f} req/s  "
          f"p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  cpu {result['cpu_ms']} "
          f"ms/req  db cpu {result['db_cpu_ms']} ms/req  errors {result['errors']}",
          file=sys.stderr)
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
    print(f"{'query':5} {'server':12} {f'p50 c={low}':>10} {f'req/s c={high}':>11} "
          f"{'cpu ms/req':>10} {'db cpu ms/req':>13}  goals")
    figures = (("p50_ms", low), ("rps", high), ("cpu_ms", high), ("db_cpu_ms", high))
    for query in gt.QUERIES:
        p = {f: median(runs, "parley-pg", query, c, f) for f, c in figures}
        g = {f: median(runs, "postgraphile", query, c, f) for f, c in figures}
        for name, row in (("Parley", p), ("PostGraphile", g)):
            print(f"{query:5} {name:12} {row['p50_ms']:>7.2f} ms {row['rps']:>11.0f} "
                  f"{row['cpu_ms']:>10.2f} {row['db_cpu_ms']:>13.2f}")
        r = {f: ratio(p[f], g[f]) for f, _ in figures}
        goals = f"req/s >= 0.5: {'ok' if r['rps'] >= 0.5 else 'MISSED'}"
        if query != "Q3":
            goals += f", p50 <= 2x: {'ok' if r['p50_ms'] <= 2 else 'MISSED'}"
        print(f"{query:5} {'ratio':12} {r['p50_ms']:>9.2f}x {r['rps']:>11.2f} "
              f"{r['cpu_ms']:>9.2f}x {r['db_cpu_ms']:>12.2f}x  {goals}")
    print(f"(req/s and CPU per request at {high} connections; \"cpu\" is the server process, "
          "\"db cpu\" the PostgreSQL backends serving it; ratios are Parley's over "
          "PostGraphile's)")
    if "parley-sqlite" in targets:
        sqlite_against_postgres(runs, low, high)


def sqlite_against_postgres(runs: list[dict], low: int, high: int) -> None:
    print("\n== SQLite: Parley on SQLite against Parley on PostgreSQL (same run) ==")
    print(f"{'query':5} {'database':10} {f'p50 c={low}':>10} {f'req/s c={high}':>11} "
          f"{'cpu ms/req':>10}  goal: no slower")
    for query in gt.QUERIES:
        lite = {f: median(runs, "parley-sqlite", query, c, f)
                for f, c in (("p50_ms", low), ("rps", high), ("cpu_ms", high))}
        pg = {f: median(runs, "parley-pg", query, c, f)
              for f, c in (("p50_ms", low), ("rps", high), ("cpu_ms", high), ("db_cpu_ms", high))}
        pg["cpu_ms"] += pg["db_cpu_ms"]  # SQLite's work is inside the server process
        for name, row in (("SQLite", lite), ("PostgreSQL", pg)):
            print(f"{query:5} {name:10} {row['p50_ms']:>7.2f} ms {row['rps']:>11.0f} "
                  f"{row['cpu_ms']:>10.2f}")
        ok = lite["rps"] >= pg["rps"] and lite["p50_ms"] <= pg["p50_ms"]
        print(f"{query:5} {'ratio':10} {ratio(lite['p50_ms'], pg['p50_ms']):>9.2f}x "
              f"{ratio(lite['rps'], pg['rps']):>11.2f} {ratio(lite['cpu_ms'], pg['cpu_ms']):>9.2f}x"
              f"  {'ok' if ok else 'MISSED'}")
    print("(PostgreSQL's cpu ms/req here adds its backends' CPU to the server's; ratios are "
          "SQLite's over PostgreSQL's)")


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
