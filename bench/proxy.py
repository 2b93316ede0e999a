"""Proxy overhead: a 200-chunk streamed answer fetched from the scripted upstream
directly and through Parley, interleaved request by request on keep-alive connections.
Reports time to first byte (first piece of the answer) and total time, p50 and p99, and
what Parley adds. Goals, at p50: under 1.8 ms added to the first byte (a fifth of what
Open WebUI adds on the same stream here, about 9 ms), and under 5% added to the total of
a paced stream (with no pause between pieces the total measures per-piece cost instead).

Three processes on one machine: the scripted upstream (tests/support/upstream.py),
Parley (`asgi.py`, SQLite), and this client (raw asyncio, HTTP/1.1 chunked parsing only).

    .venv/bin/python bench/proxy.py [--requests N] [--delays 0,0.002] [--chunks 200]
                                    [--viewer admin|user]

`--viewer user` sends the requests as a plain user for whom the administrator made the
models public, so each request also checks the model's access grants.

`--floor` also fetches the streams through a bare TCP forwarder (bench/forwarder.py),
after Parley's runs: what one more process in the path costs on this machine, before any
HTTP or checks. Parley's figures minus the floor's (the "net" rows) are what Parley itself
adds.
"""

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from foundation import HOST, ROOT, SIGNUP, Server, free_port, request

GOALS = {"ttfb_added_ms": 1.8, "total_added_pct": 5.0}  # at p50; the total's when paced
CASES = [  # name, path upstream, path via Parley, body
    ("ollama /api/chat", "/api/chat", "/ollama/api/chat",
     {"model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}], "stream": True}),
    ("openai /chat/completions", "/v1/chat/completions", "/openai/chat/completions",
     {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True}),
]


def serve_upstream(port: int, chunks: int, delay: float, **knobs) -> None:
    """Run the scripted upstream (tests/support/upstream.py) until killed."""
    sys.path.insert(0, str(ROOT))
    from tests.support.upstream import ScriptedUpstream

    async def main():
        async with ScriptedUpstream(port=port) as upstream:
            for model in ("llama3:8b", "gpt-4o"):
                upstream.script(model, chunks=chunks, delay=delay, **knobs)
            print("ready", flush=True)
            await asyncio.Event().wait()

    asyncio.run(main())


class Stream:
    """One keep-alive connection; `fetch` sends a request and reads a chunked answer."""

    def __init__(self, port: int, path: str, body: dict, token: str | None):
        data = json.dumps(body).encode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.request = (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: "
                        f"application/json\r\nContent-Length: {len(data)}\r\n{auth}\r\n"
                        ).encode() + data
        self.port = port
        self.reader = self.writer = None

    async def fetch(self) -> tuple[float, float, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        start = time.perf_counter()
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.decode(errors="replace"))
        first, size_total = None, 0
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                break
            await self.reader.readexactly(size + 2)
            size_total += size
            if first is None:
                first = time.perf_counter()
        return first - start, time.perf_counter() - start, size_total


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def run_case(upstream_port, parley_port, token, case, requests, warmup):
    name, direct_path, proxy_path, body = case
    direct = Stream(upstream_port, direct_path, body, None)
    proxied = Stream(parley_port, proxy_path, body, token)
    samples = {"direct": [], "parley": []}
    sizes = set()
    for i in range(warmup + requests):
        # Alternate which goes first, so drift and caches favour neither.
        order = [("direct", direct), ("parley", proxied)][:: 1 if i % 2 else -1]
        for label, stream in order:
            try:
                ttfb, total, size = await stream.fetch()
            except (OSError, asyncio.IncompleteReadError) as error:
                raise RuntimeError(f"request {i} {label}: {error!r}") from None
            if i >= warmup:
                samples[label].append((ttfb, total))
                sizes.add((label, size))
    return samples, sizes


def summarise(samples):
    out = {}
    for label, values in samples.items():
        ttfb = [t for t, _ in values]
        total = [t for _, t in values]
        out[label] = {"ttfb_p50_ms": pct(ttfb, 50) * 1e3, "ttfb_p99_ms": pct(ttfb, 99) * 1e3,
                      "total_p50_ms": pct(total, 50) * 1e3,
                      "total_p99_ms": pct(total, 99) * 1e3,
                      "total_mean_ms": statistics.fmean(total) * 1e3}
    d, p = out["direct"], out["parley"]
    out["added"] = {
        "ttfb_p50_ms": p["ttfb_p50_ms"] - d["ttfb_p50_ms"],
        "ttfb_p99_ms": p["ttfb_p99_ms"] - d["ttfb_p99_ms"],
        "total_p50_pct": 100 * (p["total_p50_ms"] / d["total_p50_ms"] - 1),
        "total_p99_pct": 100 * (p["total_p99_ms"] / d["total_p99_ms"] - 1)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--delays", default="0,0.002",
                        help="seconds between chunks, one run per value")
    parser.add_argument("--viewer", choices=("admin", "user"), default="admin",
                        help="who sends the requests (a user checks model grants)")
    parser.add_argument("--floor", action="store_true",
                        help="also measure a bare TCP forwarder (bench/forwarder.py)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--first-delay", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--stamped", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        serve_upstream(args.serve_upstream, args.chunks, args.delay,
                       first_delay=args.first_delay, stamped=args.stamped)
        return 0
    print(f"this machine: {python_speed():.0f} ns per iteration of a plain Python loop "
          "(compare runs on other machines by it)")
    results = []
    for delay in (float(d) for d in args.delays.split(",")):
        results.append(run_delay(args, delay))
    print_report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def run_delay(args, delay: float) -> dict:
    upstream_port = free_port()
    upstream = subprocess.Popen(
        [sys.executable, __file__, "--serve-upstream", str(upstream_port), "--chunks",
         str(args.chunks), "--delay", str(delay)], stdout=subprocess.PIPE, text=True)
    assert upstream.stdout is not None and upstream.stdout.readline().strip() == "ready"
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-proxy-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UVICORN_WORKERS")}
    env.update(DATA_DIR=str(tmp), HOST=HOST, PORT=str(free_port()),
               WEBUI_SECRET_KEY=secrets.token_hex(32),
               OLLAMA_BASE_URLS=f"http://{HOST}:{upstream_port}",
               OPENAI_API_BASE_URLS=f"http://{HOST}:{upstream_port}/v1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    server = Server(str(ROOT), env, tmp / "server.log")
    try:
        server.start()
        status, raw = request(server.env_port, "POST", "/api/v1/auths/signup", SIGNUP)
        if status != 200:
            raise RuntimeError(f"signup returned {status}: {raw[:300]!r}")
        token = json.loads(raw)["token"]
        if args.viewer == "user":
            token = plain_user(server.env_port, token)
        result = {"delay_s": delay, "chunks": args.chunks, "requests": args.requests,
                  "viewer": args.viewer, "cases": {}}
        for case in CASES:
            try:
                samples, sizes = asyncio.run(run_case(upstream_port, server.env_port, token,
                                                      case, args.requests, args.warmup))
            except (OSError, asyncio.IncompleteReadError, RuntimeError) as error:
                raise RuntimeError(f"{case[0]}: {error!r}\n{server.log_tail()}") from None
            if len({size for _, size in sizes}) != 1:
                raise RuntimeError(f"{case[0]}: Parley and the upstream sent different "
                                   f"amounts of data: {sorted(sizes)}")
            result["cases"][case[0]] = summarise(samples)
        if args.floor:
            result["floor"] = floor(args, upstream_port)
        return result
    finally:
        server.stop()
        upstream.terminate()
        upstream.wait(10)


def python_speed(n: int = 2_000_000) -> float:
    """Nanoseconds per iteration of a plain loop: how fast this machine runs Python."""
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return (time.perf_counter() - start) / n * 1e9


def floor(args, upstream_port: int) -> dict:
    """The same streams through a bare TCP forwarder, interleaved with direct ones."""
    port = free_port()
    forwarder = subprocess.Popen([sys.executable, str(ROOT / "bench" / "forwarder.py"),
                                  str(port), str(upstream_port)], stdout=subprocess.PIPE,
                                 text=True)
    try:
        assert forwarder.stdout is not None and forwarder.stdout.readline().strip() == "ready"
        figures = {}
        for name, direct_path, _, body in CASES:
            samples, _ = asyncio.run(run_case(upstream_port, port, None,
                                              (name, direct_path, direct_path, body),
                                              args.requests, args.warmup))
            figures[name] = summarise(samples)
        return figures
    finally:
        forwarder.terminate()
        forwarder.wait(10)


def plain_user(port: int, admin_token: str) -> str:
    """A user's token, after the administrator made the benchmark's models public."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    for model in ("llama3:8b", "gpt-4o"):
        status, raw = request(port, "POST", "/api/v1/models/model/access/update", {
            "id": model, "access_grants": [
                {"principal_type": "user", "principal_id": "*", "permission": "read"}]},
            headers=admin)
        if status != 200:
            raise RuntimeError(f"making {model} public returned {status}: {raw[:300]!r}")
    status, raw = request(port, "POST", "/api/v1/auths/add", {
        "name": "User", "email": "user@example.com", "password": "bench-password-2",
        "role": "user"}, headers=admin)
    if status != 200:
        raise RuntimeError(f"adding a user returned {status}: {raw[:300]!r}")
    return json.loads(raw)["token"]


def print_report(results) -> None:
    for result in results:
        print(f"\n{result['chunks']} chunks, {result['delay_s'] * 1e3:g} ms apart, "
              f"{result['requests']} requests each way, as {result['viewer']}")
        print(f"{'case':28} {'':7} {'ttfb p50':>9} {'ttfb p99':>9} {'total p50':>10} "
              f"{'total p99':>10}")
        for name, figures in result["cases"].items():
            for label in ("direct", "parley"):
                f = figures[label]
                print(f"{name:28} {label:7} {f['ttfb_p50_ms']:8.2f}m {f['ttfb_p99_ms']:8.2f}m "
                      f"{f['total_p50_ms']:9.1f}m {f['total_p99_ms']:9.1f}m")
            a = figures["added"]
            print(added_row("", "added", a, verdict(a, paced=result["delay_s"] > 0)))
        for name, figures in result.get("floor", {}).items():
            floor_added = figures["added"]
            print(added_row(name, "floor", floor_added, "added by a bare TCP forwarder"))
            own = result["cases"][name]["added"]
            # p50s only: a difference of two p99s of noisy samples says little.
            print(f"{name:28} {'net':7} {own['ttfb_p50_ms'] - floor_added['ttfb_p50_ms']:+8.2f}m "
                  f"{'':9} {own['total_p50_pct'] - floor_added['total_p50_pct']:+9.1f}% "
                  f"{'':10}   Parley's added minus the forwarder's, p50")


def verdict(added: dict, *, paced: bool) -> str:
    ttfb_ok = added["ttfb_p50_ms"] < GOALS["ttfb_added_ms"]
    text = (f"p50: first byte {'ok' if ttfb_ok else 'MISSED'} "
            f"(<{GOALS['ttfb_added_ms']:g} ms)")
    if not paced:
        return text + ", total (per-piece cost, no goal)"
    total_ok = added["total_p50_pct"] < GOALS["total_added_pct"]
    return text + f", total {'ok' if total_ok else 'MISSED'} (<{GOALS['total_added_pct']:g}%)"


def added_row(name: str, label: str, added: dict, verdict: str) -> str:
    return (f"{name:28} {label:7} {added['ttfb_p50_ms']:+8.2f}m "
            f"{added['ttfb_p99_ms']:+8.2f}m {added['total_p50_pct']:+9.1f}% "
            f"{added['total_p99_pct']:+9.1f}%   {verdict}")


if __name__ == "__main__":
    sys.exit(main())
