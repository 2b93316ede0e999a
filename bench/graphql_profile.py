"""Where Parley's time goes on the queries of bench/graphql.py, with py-spy.

Starts Parley on PostgreSQL and/or SQLite, seeds the same 200 chats of 20 messages, then
for each query keeps the server busy with bench/loadgen.py while py-spy (a sampling
profiler: it reads the process from outside, so the server runs at full speed) records
it. It prints, per backend and query:

- the share of samples by where the running code lives (our layers, strawberry and
  graphql-core, SQLAlchemy, the database driver, starlette/uvicorn, the event loop);
- the functions with the largest inclusive share (the sample's stack contains them)
  and self share (the sample was in them).

py-spy is a tool, not a dependency of Parley: install it where you like, e.g.
`.venv/bin/uv pip install --target /tmp/pyspy py-spy`, and pass --py-spy
/tmp/pyspy/bin/py-spy (or put it on PATH).

    .venv/bin/python bench/graphql_profile.py --queries Q3,Q4 --duration 15
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import foundation  # noqa: E402  (bench/ is a folder of scripts, not a package)
import graphql_targets as gt  # noqa: E402

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Where a frame's file lives -> the name of that part of the stack; first match wins.
AREAS = [  # py-spy names files relative to their sys.path entry
    ("our schema/", r"^schema/"),
    ("our resolvers/", r"^resolvers/"),
    ("our data/", r"^data/"),
    ("our asgi.py, compat_rest/", r"^(asgi\.py|compat_rest/)"),
    ("strawberry", r"^strawberry/"),
    ("graphql-core", r"^graphql/"),
    ("sqlalchemy", r"^sqlalchemy/"),
    ("asyncpg", r"^asyncpg/"),
    ("aiosqlite, sqlite3", r"^(aiosqlite|sqlite3)/"),
    ("aiodataloader", r"^aiodataloader/"),
    ("starlette, uvicorn, httptools", r"^(starlette|uvicorn|h11|httptools)/"),
    ("jwt, cryptography", r"^(jwt|cryptography)/"),
    ("json (stdlib)", r"^json/"),
    ("asyncio: event loop, tasks", r"^asyncio/"),
    ("greenlet", r"^greenlet/"),
    ("threading (stdlib)", r"^(threading\.py|concurrent/|queue\.py)"),
]


# What a sample was doing: the first rule whose pattern matches some frame of its stack
# ("func (file)" strings, innermost last) names it, else the area of its innermost frame
# (graphql-core, strawberry, our schema/...). Ordered from the most specific.
WORK = [
    ("SQLite executing statements (C, aiosqlite's thread)",
     r"^_connection_worker_thread .*:RUN\)$"),
    ("decoding JSON columns", r"\(json/decoder\.py|_json_decoder|json_deserializer"),
    ("asyncpg: wire protocol, row decoding (C)", r"\(asyncpg/"),
    ("ORM: rows to objects (loading.instances)", r"^instances \(sqlalchemy/orm/loading"),
    ("ORM: closing the unit of work (rollback, expire)",
     r"^(Async)?Session\.(rollback|close|commit) "),
    ("SQL: cache key and compilation",
     r"^(ClauseElement\._compile_w_cache|(Memoized)?HasCacheKey\._generate_cache_key) "),
    ("SQL: building statements (select(), CTEs)", r"\(data/repos/|^select \(sqlalchemy/sql/"),
    ("SQLAlchemy: execute machinery (other)",
     r"\(sqlalchemy/(orm/session|engine)/|^greenlet_spawn "),
    ("authentication (token, principal)",
     r"^(authenticate_token|current_viewer|read_token) |\((jwt|cryptography)/"),
    ("strawberry: converting arguments", r"^(convert_argument|convert_arguments|to_camel_case) "),
    ("our types: building Chat/Message from rows", r"^[A-Za-z]+\.from_row \(schema/"),
    ("encoding the response (JSON)", r"\(json/encoder\.py|^(dumps|encode_json) "),
    ("dataloaders", r"\((aiodataloader/|resolvers/loaders\.py)"),
]  # anything else: the area of its innermost frame


def frames(stack: str) -> list[tuple[str, str]]:
    """A collapsed stack (outermost first) as (function, file) pairs."""
    out = []
    for frame in stack.split(";"):
        match = FRAME.match(frame)
        out.append((match["func"], match["file"]) if match else (frame, ""))
    return out


def area(file: str) -> str:
    for name, pattern in AREAS:
        if re.search(pattern, file):
            return name
    return "other (stdlib, ...)"


def short(func: str, file: str) -> str:
    return f"{func} ({file})"


def worker_lines() -> tuple[int, int]:
    """The lines of aiosqlite's worker loop where its thread waits for work (py-spy does
    not always see that wait as idle) and where it runs the call (SQLite's own work)."""
    import inspect

    import aiosqlite.core

    lines, start = inspect.getsourcelines(aiosqlite.core._connection_worker_thread)
    wait = next(start + i for i, line in enumerate(lines) if ".get(" in line)
    run = next(start + i for i, line in enumerate(lines) if "= function()" in line)
    return wait, run


def work_of(stack: str) -> str:
    pairs = frames(stack)
    names = [f"{func} ({file})" for func, file in pairs]
    for name, pattern in WORK:
        if any(re.search(pattern, frame) for frame in names):
            return name
    return f"{area(pairs[-1][1])}, other"


def summarise(raw: Path, top: int) -> str:
    """Where the samples went: by kind of work, by the area of their innermost frame,
    and the top functions by inclusive and self samples."""
    inclusive, self_, areas, work, total = Counter(), Counter(), Counter(), Counter(), 0
    wait, run = worker_lines()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        innermost = stack.rsplit(";", 1)[-1]
        if innermost == f"_connection_worker_thread (aiosqlite/core.py:{wait})":
            continue  # waiting for work
        n = int(count)
        total += n
        work[work_of(stack.replace(f"core.py:{run})", "core.py:RUN)"))] += n
        stack_frames = frames(stack)
        for name in {short(f, file) for f, file in stack_frames}:
            inclusive[name] += n
        self_[short(*stack_frames[-1])] += n
        areas[area(stack_frames[-1][1])] += n
    if not total:
        return "no samples\n"
    lines = [f"{total} samples (the aiosqlite thread's waits left out)",
             "what the samples were doing (first matching rule of graphql_profile.WORK):"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in work.most_common()]
    lines.append("samples by the area of the innermost frame (self time):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in areas.most_common()]
    lines.append(f"top {top} functions by inclusive share (SQLAlchemy's work inside its "
                 "greenlets shows as stacks of their own, starting at the Session call):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines.append(f"top {top} functions by self share:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in self_.most_common(top)]
    return "\n".join(lines) + "\n"


def profile(args, name: str, target: gt.Target, query: str, out: Path) -> Path:
    raw = out / f"{name}-{query}.txt"
    spy = subprocess.Popen([args.py_spy, "record", "--pid", str(target.pid), "--format", "raw",
                            "--rate", str(args.rate), "--duration", str(int(args.duration)),
                            "--output", str(raw), "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    load = threading.Thread(target=foundation.run_scenario, args=(
        args, target.port, target.token, "POST", "/graphql", target.body(query),
        args.concurrency))
    load.start()
    _, err = spy.communicate()
    load.join()
    if spy.returncode != 0 or not raw.exists():
        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--queries", default="Q3,Q4")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per profile")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="connections that keep the server busy while sampled")
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    parser.add_argument("--out", default=None, help="keep the raw stacks in this folder")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--pycache", default=os.path.join(tempfile.gettempdir(),
                                                          "parley-bench-pycache"))
    args = parser.parse_args()
    args.warmup, args.wrk = 1.0, False
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-profile-"))
    out = Path(args.out) if args.out else tmp
    out.mkdir(parents=True, exist_ok=True)
    stack: list = []
    try:
        backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
        for backend in backends:
            url = None
            if backend == "postgres":
                dbname = gt.create_database(args.pg_url)
                stack.append(lambda d=dbname: gt.drop_database(args.pg_url, d))
                url = f"{args.pg_url}/{dbname}"
            (tmp / backend).mkdir()
            env = gt.parley_env(args, tmp / backend, secrets.token_hex(32), url)
            server = gt.start_parley(env, tmp / f"{backend}.log")
            stack.append(server.stop)
            token, _ = gt.seed(server.env_port)
            gt.analyse(url)
            target = gt.Target(backend, server.env_port, token, gt.PARLEY, pid=server.proc.pid)
            target.chat = target.ask("Q2")["chats"]["nodes"][0]["id"]
            for query in args.queries.split(","):
                gt.check_shape(target, query)
                raw = profile(args, backend, target, query, out)
                print(f"\n== {backend} {query} (c={args.concurrency}, "
                      f"{args.duration:.0f} s at {args.rate} Hz) ==")
                print(summarise(raw, args.top), flush=True)
    finally:
        for undo in reversed(stack):
            undo()
        if not args.out:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
