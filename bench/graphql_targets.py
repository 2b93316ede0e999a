"""The servers bench/graphql.py compares, and the queries it sends them.

- Parley (`asgi.py`) on PostgreSQL and on SQLite, called with its own Bearer token;
- PostGraphile 4 (the npm package pinned in bench/postgraphile/) on Parley's PostgreSQL
  database, through the views of bench/postgraphile/schema.sql, called with a JWT signed
  with its `--jwt-secret`.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import foundation
from chats import call, history

PG_DIR = foundation.BENCH_DIR / "postgraphile"
CHATS, MESSAGES = 200, 20
ADMIN = {"name": "Bench", "email": "bench@example.com", "password": "bench-password-1"}

# The queries. Parley lists newest first and walks a chat's current branch; on
# PostGraphile the same order is spelled out (updated_at, then id, both descending, as
# Parley breaks ties) and messages come by creation time, which on this data (one
# linear branch per chat, a second between messages) is the same list.
PARLEY = {
    "Q2": "{{ chats(first: {first}) {{ nodes {{ id title updatedAt }} }} }}",
    "Q3": "{{ chats(first: {first}) {{ nodes {{ id title updatedAt owner {{ name }} "
          "messages(first: 5) {{ nodes {{ id role content }} }} }} }} }}",
    "Q4": '{{ chat(id: "{chat}") {{ id title updatedAt messages {{ nodes {{ id role content '
          "createdAt }} }} }} }}",
}
_ORDER = "orderBy: [UPDATED_AT_DESC, ID_DESC]"
POSTGRAPHILE = {
    "Q2": "{{ chats(first: {first}, " + _ORDER + ") {{ nodes {{ id title updatedAt }} }} }}",
    "Q3": "{{ chats(first: {first}, " + _ORDER + ") {{ nodes {{ id title updatedAt "
          "owner {{ name }} messages(first: 5, orderBy: CREATED_AT_ASC) {{ nodes {{ id role "
          "content }} }} }} }} }}",
    "Q4": '{{ chat(id: "{chat}") {{ id title updatedAt messages(orderBy: CREATED_AT_ASC) '
          "{{ nodes {{ id role content createdAt }} }} }} }}",
}
QUERIES = ("Q2", "Q3", "Q4")


@dataclass
class Target:
    """One server under load: how to reach it and what to send it."""

    name: str
    port: int
    token: str
    templates: dict[str, str]
    pid: int = 0
    chat: str = ""  # the chat Q4 reads
    notes: dict = field(default_factory=dict)  # what starting it left to know

    def body(self, query: str, first: int = 50) -> str:
        text = self.templates[query].format(first=first, chat=self.chat)
        return json.dumps({"query": text})

    def ask(self, query: str, first: int = 50) -> dict:
        doc = call(self.port, "POST", "/graphql", json.loads(self.body(query, first)),
                   self.token)
        if doc.get("errors"):
            raise RuntimeError(f"{self.name} {query}: {doc['errors']}")
        return doc["data"]


def parley_env(args, tmp: Path, secret: str, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UVICORN_WORKERS")}
    env.update(DATA_DIR=str(tmp), HOST=foundation.HOST, PORT=str(foundation.free_port()),
               WEBUI_SECRET_KEY=secret)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as bench/foundation.py: a deployed server
    env["PYTHONPYCACHEPREFIX"] = args.pycache  # has its .pyc files
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def start_parley(env: dict, log: Path) -> foundation.Server:
    server = foundation.Server(str(foundation.ROOT), env, log)
    server.start()
    return server


def wait_for(port: int, proc: subprocess.Popen, timeout: float, tail) -> None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}\n{tail()}")
        try:
            status, _ = foundation.request(port, "POST", "/graphql", {"query": "{__typename}"},
                                           timeout=1.0)
            if status in (200, 401):
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"no answer on port {port} within {timeout}s\n{tail()}")


def seed(port: int) -> tuple[str, str]:
    """The admin and 200 chats of 20 messages; returns (token, user id)."""
    signed_up = call(port, "POST", "/api/v1/auths/signup", ADMIN)
    for i in range(CHATS):
        call(port, "POST", "/api/v1/chats/new",
             {"chat": {"title": f"Chat {i}", "history": history(MESSAGES, 300)}},
             signed_up["token"])
    return signed_up["token"], signed_up["id"]


async def _pg_script(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def analyse(database_url: str | None) -> None:
    """Statistics for the planner, as a database in service has them: without this the
    plans depend on whether autovacuum happened to analyse the new tables before a
    measurement (it plans the same statements differently before and after)."""
    if database_url:
        asyncio.run(_pg_script(database_url, "ANALYZE"))


def create_database(pg_url: str) -> str:
    name = f"parley_bench_{secrets.token_hex(4)}"
    asyncio.run(foundation._pg(f"{pg_url}/postgres", f'CREATE DATABASE "{name}"'))
    return name


def drop_database(pg_url: str, name: str) -> None:
    asyncio.run(foundation._pg(f"{pg_url}/postgres",
                               f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _backend_pids(admin_url: str, dbname: str) -> list[int]:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", dbname)
    finally:
        await conn.close()
    return [row["pid"] for row in rows]


def database_cpu(pg_url: str, dbname: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the database, read from
    /proc (the server runs on this machine): the database's share of a request, which
    the server process's own figure leaves out. Empty when /proc does not show them."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in asyncio.run(_backend_pids(f"{pg_url}/postgres", dbname)):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return seconds


def expose_to_postgraphile(database_url: str) -> None:
    asyncio.run(_pg_script(database_url, (PG_DIR / "schema.sql").read_text()))


def install_postgraphile() -> Path:
    """`npm ci` from the pinned lock file the first time; the path of its command."""
    command = PG_DIR / "node_modules" / ".bin" / "postgraphile"
    if not command.exists():
        if not shutil.which("npm"):
            raise RuntimeError("PostGraphile needs Node.js and npm on PATH")
        print("installing PostGraphile (npm ci in bench/postgraphile) ...", file=sys.stderr)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PG_DIR, check=True,
                       stdout=subprocess.DEVNULL)
    return command


def sign_jwt(secret: str, user_id: str) -> str:
    import jwt  # PyJWT: Parley's own dependency

    claims = {"user_id": user_id, "aud": "postgraphile", "iat": int(time.time()),
              "exp": int(time.time()) + 24 * 3600}
    return jwt.encode(claims, secret, algorithm="HS256")


def start_postgraphile(database_url: str, log: Path) -> tuple[subprocess.Popen, int, str]:
    """PostGraphile in production mode, no query log, no GraphiQL, read-only schema.
    Returns (process, port, JWT secret)."""
    command, port, secret = install_postgraphile(), foundation.free_port(), secrets.token_hex(32)
    env = {**os.environ, "NODE_ENV": "production"}
    out = open(log, "ab")
    proc = subprocess.Popen(
        [str(command), "--connection", database_url, "--schema", "postgraphile_bench",
         "--host", foundation.HOST, "--port", str(port), "--jwt-secret", secret,
         "--append-plugins", "@graphile-contrib/pg-simplify-inflector",
         "--disable-default-mutations", "--disable-query-log", "--disable-graphiql",
         "--no-setof-functions-contain-nulls"],
        cwd=PG_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    out.close()

    def tail():
        return "\n".join(log.read_text(errors="replace").splitlines()[-20:])

    try:
        wait_for(port, proc, 60.0, tail)
    except Exception:
        stop_process(proc)
        raise
    return proc, port, secret


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def answers_of(data: dict, query: str) -> object:
    """What must agree between servers: ids in order, owner names, message roles."""
    if query == "Q4":
        chat = data["chat"]
        return chat["id"], [(m["id"], m["role"]) for m in chat["messages"]["nodes"]]
    nodes = data["chats"]["nodes"]
    if query == "Q2":
        return [n["id"] for n in nodes]
    return [(n["id"], n["owner"]["name"], [(m["id"], m["role"], m["content"])
                                           for m in n["messages"]["nodes"]]) for n in nodes]


def check_same(reference: Target, other: Target, query: str) -> None:
    mine, theirs = answers_of(reference.ask(query), query), answers_of(other.ask(query), query)
    if mine != theirs:
        raise RuntimeError(f"{query}: {other.name} answers differently from {reference.name}:"
                           f"\n{str(mine)[:300]}\n{str(theirs)[:300]}")


def check_shape(target: Target, query: str) -> None:
    """What every server must answer on this data, whatever its chat ids."""
    got = answers_of(target.ask(query), query)
    if query == "Q4":
        expected = [(f"m{i}", "user" if i % 2 == 0 else "assistant") for i in range(MESSAGES)]
        ok = got[0] == target.chat and got[1] == expected
    elif query == "Q2":
        ok = len(got) == 50 and len(set(got)) == 50
    else:
        ok = len(got) == 50 and all(
            owner == ADMIN["name"] and [m[0] for m in msgs] == [f"m{i}" for i in range(5)]
            for _, owner, msgs in got)
    if not ok:
        raise RuntimeError(f"{target.name} {query}: unexpected answer {str(got)[:300]}")
