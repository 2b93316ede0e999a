"""A real Parley process on a free port, for tests that need real sockets and concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import uvicorn

from http_protocol import HttpProtocol

ROOT = Path(__file__).resolve().parents[2]
# Every test server hashes new passwords at argon2's cheapest cost: at the recommended cost
# each hash and sign-in takes a tenth of a second of both cores, which was a third of the
# suite's time. Hashing itself is unchanged, and tests/resolvers/test_security.py and
# tests/compat_rest/openwebui/test_auths.py check the recommended cost is the default.
CHEAP_PASSWORD_HASHING = {"PASSWORD_ARGON2_PARAMS": "m=8,t=1,p=1"}


PROCESSES: dict[str, subprocess.Popen] = {}  # base URL -> its server, while it runs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen, grace: float = 30.0) -> None:
    """SIGTERM, then SIGKILL past `grace` (a busy machine can stretch a graceful stop past
    the server's own 10 s); either way the process is reaped, so no zombie outlives it."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(env: dict[str, str], timeout: float = 20.0, output: Path | None = None):
    """Start `python asgi.py` with `env` added; yield its base URL; stop it afterwards.
    With `output`, what the process prints goes to that file."""
    port = free_port()
    full_env = os.environ | CHEAP_PASSWORD_HASHING | {"HOST": "127.0.0.1", "PORT": str(port)} | env
    sink = open(output, "w") if output is not None else subprocess.PIPE  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "asgi.py"], cwd=ROOT, env=full_env,
                               stdout=sink, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    PROCESSES[base] = process
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                printed = output.read_text() if output else process.stdout.read()
                raise RuntimeError(f"server exited: {printed}")
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready")
            time.sleep(0.05)
        yield base
    finally:
        PROCESSES.pop(base, None)
        stop(process)
        if process.stdout:
            process.stdout.close()
        if output is not None:
            sink.close()


def kill(base: str) -> None:
    """SIGKILL the server at `base` at once, as the OOM killer would: no shutdown runs."""
    process = PROCESSES[base]
    process.kill()
    process.wait()


@asynccontextmanager
async def running_servers(*envs: dict[str, str]):
    """`running_server` for each env, started side by side in threads: the event loop
    goes on meanwhile (a database connection it was opening does not time out while a
    server starts), and starting N servers takes the time of one. Yields the base URLs."""
    with contextlib.ExitStack() as stack:
        started = await asyncio.gather(
            *(asyncio.to_thread(stack.enter_context, running_server(env)) for env in envs),
            return_exceptions=True)
        try:
            for result in started:
                if isinstance(result, BaseException):
                    raise result
            yield started
        finally:
            await asyncio.to_thread(stack.close)


@asynccontextmanager
async def serving_in_loop(app, **config):
    """An already started app behind a real uvicorn server on this event loop (so its
    database connections stay on one loop), with the HTTP protocol `asgi.py` serves
    with; yields the base URL."""
    port = free_port()
    config = {"http": HttpProtocol, "ws": "websockets-sansio", **config}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning", **config))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        if task.done():
            task.result()  # its start-up error, rather than a timeout
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@asynccontextmanager
async def one_deployment(databases, pubsub: str, data_dir: Path,
                         extra: dict[str, str] | None = None):
    """Instances A and B of one deployment (one PostgreSQL database of their own, the
    scripted upstream, pub/sub on Redis or on that database; `extra` added to their
    environment): yields (a, b, upstream, env)."""
    from tests.support.databases import REDIS_URL
    from tests.support.upstream import ScriptedUpstream

    database = await databases.postgres()
    pubsub_url = REDIS_URL if pubsub == "redis" else \
        database.replace("postgresql://", "postgres://")
    async with ScriptedUpstream() as upstream:
        env = {"DATABASE_URL": database, "PUBSUB_URL": pubsub_url, "DATA_DIR": str(data_dir),
               "WEBUI_SECRET_KEY": "two-instances-secret-0123456789abc",
               "OLLAMA_BASE_URLS": upstream.url, "OPENAI_API_BASE_URLS": upstream.openai_url,
               "UPSTREAM_IDLE_TIMEOUT": "5", **(extra or {})}
        try:
            async with running_servers(env, env) as (a, b):
                yield a, b, upstream, env
        finally:
            databases.drop_later(database)
