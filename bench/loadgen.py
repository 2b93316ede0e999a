"""A small closed-loop HTTP/1.1 load generator.

Python HTTP clients (httpx, aiohttp) spend more CPU per request than the server
under test, and on a 2-core box the client and server share the CPU. So this
uses bare asyncio Protocols (on uvloop when available): every connection keeps
exactly one request in flight, re-sends the same pre-encoded bytes as soon as the
previous response is complete, and parses only what it needs to find the end of
a response (status line, Content-Length or chunked framing).

Usable as a module (`run_load`) or a command that prints JSON:

    python bench/loadgen.py --port 8080 --path /health -c 32 -d 5
"""

import argparse
import asyncio
import json
import math
import time

perf_ns = time.perf_counter_ns


def build_request(method, host, port, path, headers=(), body=None):
    """Encode one request once; every send reuses these exact bytes."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", *headers]
    if body is not None:
        if not any(h.lower().startswith("content-type:") for h in headers):
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def parse_response(buf):
    """Return (status, bytes used) once buf holds a complete response, else None."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    status = int(buf[9:12])  # "HTTP/1.1 200 OK"
    body_start = head_end + 4
    head = buf[:head_end].lower()  # header names are case-insensitive
    i = head.find(b"\r\ncontent-length:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        end = body_start + int(head[i + 17 : j if j >= 0 else None])
        return (status, end) if len(buf) >= end else None
    if b"\r\ntransfer-encoding: chunked" in head:
        pos = body_start
        while True:  # walk the chunks: "<hex size>\r\n<data>\r\n" ... "0\r\n\r\n"
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(buf[pos:eol].split(b";")[0], 16)
            pos = eol + 2 + size + 2
            if len(buf) < pos:
                return None
            if size == 0:  # last chunk (trailers are not supported)
                return status, pos
    return status, body_start  # no body framing: 204/304 and friends


class Stats:
    def __init__(self):
        self.latencies_ns = []
        self.statuses = {}
        self.dropped = 0  # connections lost with a request in flight


class Conn(asyncio.Protocol):
    def __init__(self, gen):
        self.gen = gen
        self.buf = b""
        self.sent_at = 0
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.send()

    def send(self):
        self.sent_at = perf_ns()
        self.transport.write(self.gen.request)

    def data_received(self, data):
        self.buf = self.buf + data if self.buf else data
        parsed = parse_response(self.buf)
        if parsed is None:
            return  # wait for the rest of the response
        status, used = parsed
        now = perf_ns()
        stats = self.gen.stats
        stats.latencies_ns.append(now - self.sent_at)
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        self.buf = self.buf[used:]
        if not self.gen.stopping:
            self.send()

    def connection_lost(self, exc):
        if self.gen.stopping:
            return
        # The server closed on us (e.g. "Connection: close"): count it, reconnect.
        self.gen.stats.dropped += 1
        self.gen.conns.discard(self)
        asyncio.get_running_loop().create_task(self.gen.connect())


class LoadGen:
    def __init__(self, host, port, request):
        self.host, self.port, self.request = host, port, request
        self.stats = Stats()
        self.stopping = False
        self.conns = set()

    async def connect(self):
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(lambda: Conn(self), self.host, self.port)
        self.conns.add(proto)


def percentile(sorted_values, q):
    """Nearest-rank percentile; sorted_values must be non-empty."""
    k = math.ceil(q * len(sorted_values)) - 1
    return sorted_values[max(0, min(k, len(sorted_values) - 1))]


async def _run(host, port, request, concurrency, duration, warmup):
    gen = LoadGen(host, port, request)
    await asyncio.gather(*(gen.connect() for _ in range(concurrency)))
    # Warm-up: let the server JIT its caches, pools and connections, then throw
    # those samples away so the window measures steady state only.
    await asyncio.sleep(warmup)
    gen.stats = Stats()
    cpu0, t0 = time.process_time(), perf_ns()
    await asyncio.sleep(duration)
    elapsed = (perf_ns() - t0) / 1e9
    cpu = time.process_time() - cpu0
    stats = gen.stats
    gen.stopping = True  # in-flight requests at this point are simply discarded
    for c in list(gen.conns):
        c.transport.close()

    lat = sorted(stats.latencies_ns)
    ok = sum(n for s, n in stats.statuses.items() if 200 <= s < 300)
    return {
        "concurrency": concurrency,
        "duration_s": round(elapsed, 3),
        "requests": len(lat),
        "rps": round(len(lat) / elapsed, 1),
        "ok_rps": round(ok / elapsed, 1),
        "p50_ms": round(percentile(lat, 0.50) / 1e6, 3) if lat else None,
        "p99_ms": round(percentile(lat, 0.99) / 1e6, 3) if lat else None,
        "max_ms": round(lat[-1] / 1e6, 3) if lat else None,
        "errors": len(lat) - ok + stats.dropped,
        "statuses": {str(s): n for s, n in sorted(stats.statuses.items())},
        "dropped_connections": stats.dropped,
        "client_cpu_pct": round(100 * cpu / elapsed, 1),
    }


def run_load(host, port, request, concurrency=1, duration=5.0, warmup=1.0):
    """Drive `concurrency` keep-alive connections for warmup+duration seconds."""
    try:
        import uvloop  # ~2x cheaper per request than the default loop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    return runner(_run(host, port, request, concurrency, duration, warmup))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--method", default="GET")
    p.add_argument("--path", default="/")
    p.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    p.add_argument("--body", help="request body (sent as JSON unless -H sets Content-Type)")
    p.add_argument("-c", "--concurrency", type=int, default=1)
    p.add_argument("-d", "--duration", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    a = p.parse_args()
    body = a.body.encode() if a.body is not None else None
    req = build_request(a.method, a.host, a.port, a.path, a.header, body)
    print(json.dumps(run_load(a.host, a.port, req, a.concurrency, a.duration, a.warmup)))


if __name__ == "__main__":
    main()
