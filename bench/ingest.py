"""File ingestion benchmark: one large single-line text file (50 MB by default) uploaded
to a real Parley process, extracted, chunked, embedded into `file-<id>` and marked
completed. The embedding server is the scripted one of the tests (in this process, so
the server's memory is its own), answering 384-dimension vectors by position, with
RAG_EMBEDDING_BATCH_SIZE texts per request.

Reports: seconds from upload to `completed`, chunks and chunks/s (embedding included:
the scripted server answers at once, so this is Parley's own cost), embedding requests,
and the server's peak resident memory (VmHWM) against its resident memory before the
upload. It measures and reports; the exit status is non-zero only if it could not run.

    .venv/bin/python bench/ingest.py [--mb 50] [--batch 256] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.upstream import ScriptedUpstream  # noqa: E402

MODEL, DIMS = "nomic-embed-text:latest", 384


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_ready(base: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if process.returncode is not None:
                raise SystemExit("the server exited while starting")
            try:
                if (await client.get(f"{base}/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not become ready")


async def run(args: argparse.Namespace) -> None:
    async with ScriptedUpstream() as upstream:
        upstream.script(MODEL, dims=DIMS)
        with tempfile.TemporaryDirectory() as folder:
            port = free_port()
            env = os.environ | {
                "DATA_DIR": folder, "HOST": "127.0.0.1", "PORT": str(port),
                "WEBUI_SECRET_KEY": "bench-ingest-secret", "RAG_EMBEDDING_ENGINE": "ollama",
                "RAG_EMBEDDING_MODEL": MODEL, "RAG_OLLAMA_BASE_URL": upstream.url,
                "RAG_EMBEDDING_BATCH_SIZE": str(args.batch),
                "PASSWORD_ARGON2_PARAMS": "m=8,t=1,p=1"}
            if args.database_url:
                env["DATABASE_URL"] = args.database_url
            process = await asyncio.create_subprocess_exec(
                sys.executable, "asgi.py", cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                await measure(args, f"http://127.0.0.1:{port}", process, upstream)
            finally:
                process.terminate()
                await asyncio.wait_for(process.wait(), 60)


async def measure(args, base: str, process: asyncio.subprocess.Process, upstream) -> None:
    await wait_ready(base, process)
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        signup = await client.post("/api/v1/auths/signup", json={
            "name": "Bench", "email": "bench@example.com", "password": "bench-pass-1"})
        headers = {"Authorization": f"Bearer {signup.json()['token']}"}
        words = b"lorem ipsum dolor sit amet consectetur "
        size = args.mb * 1024**2
        line = (words * (size // len(words) + 1))[:size]
        before = memory_mb(process.pid, "VmRSS")
        started = time.monotonic()
        body = (await client.post("/api/v1/files/", headers=headers,
                                  files={"file": ("long.txt", line, "text/plain")})).json()
        status = "pending"
        while status in ("pending", "processing"):
            await asyncio.sleep(0.5)
            status = (await client.get(f"/api/v1/files/{body['id']}/process/status",
                                       headers=headers)).json()["status"]
        seconds = time.monotonic() - started
    chunks = sum(len(r.body["input"]) for r in upstream.requests if r.path == "/api/embed")
    requests = sum(1 for r in upstream.requests if r.path == "/api/embed")
    print(f"{args.mb} MB single line -> {status} in {seconds:.1f} s; {chunks} chunks "
          f"({chunks / seconds:.0f}/s, embedding included) in {requests} embedding "
          f"requests of up to {args.batch}")
    print(f"server memory: {before:.0f} MB before the upload, peak "
          f"{memory_mb(process.pid, 'VmHWM'):.0f} MB (VmHWM)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--database-url", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
