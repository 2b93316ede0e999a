"""Foundation benchmark: start-up time, idle memory, and REST/GraphQL throughput.

Starts `asgi.py` as a real server process (SQLite and/or PostgreSQL), signs up
a user, then drives it with bench/loadgen.py in a separate process. It measures
and reports; it is not a test: a missed goal is a figure, and the exit status is
non-zero only when the benchmark itself could not run.

    .venv/bin/python bench/foundation.py [--backend sqlite|postgres|both]
        [--duration S] [--workers N] [--json FILE] [--wrk]
        [--startup-only] [--starts N]
"""

import argparse
import asyncio
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
HOST = "127.0.0.1"

GOALS = {"startup_s": 1.0, "idle_rss_mb": 100.0, "rps_at_32": 1200.0}
SIGNUP = {"name": "Bench", "email": "bench@example.com", "password": "bench-password-1"}
GRAPHQL_BODY = json.dumps({"query": "{ viewer { id name email role } }"})
SCENARIOS = [  # (name, method, path, body)
    ("rest GET /api/v1/auths/", "GET", "/api/v1/auths/", None),
    ("graphql { viewer }", "POST", "/graphql", GRAPHQL_BODY),
]


# --- talking to the server (setup only; the load itself goes through loadgen) ---


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=5.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        conn.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=hdrs
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# --- process accounting from /proc (the server may fork workers) ---


def process_tree(pid):
    """pid plus all its descendants, found by scanning /proc for parent ids."""
    children = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                # field 4 of /proc/<pid>/stat is the ppid; split after the ")" of comm
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def _sum_kb(pid, file, field):
    total_kb = 0
    for p in process_tree(pid):
        try:
            m = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{p}/{file}").read_text(), re.M)
        except OSError:
            continue
        total_kb += int(m.group(1)) if m else 0
    return total_kb / 1024


def rss_mb(pid):
    """Sum of VmRSS over the process tree (shared pages are counted per process)."""
    return _sum_kb(pid, "status", "VmRSS")


def pss_mb(pid):
    """Sum of PSS: shared pages split between sharers, fairer with several workers."""
    return _sum_kb(pid, "smaps_rollup", "Pss")


def cpu_seconds(pid):
    """User+system CPU time of the process tree, to show whether the server was saturated."""
    ticks = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# --- server lifecycle ---


class Server:
    def __init__(self, app_dir, env, log_path):
        self.app_dir, self.env, self.log_path = app_dir, env, log_path
        self.proc = None

    def start(self, timeout=60.0):
        """Start asgi.py; return seconds from spawn to the first 200 from /health."""
        log = open(self.log_path, "ab")
        t0 = time.perf_counter()
        # Own session so stop() can signal the server's whole group (workers too).
        self.proc = subprocess.Popen(
            [sys.executable, "asgi.py"],
            cwd=self.app_dir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                if request(self.env_port, "GET", "/health", timeout=1.0)[0] == 200:
                    return time.perf_counter() - t0
            except OSError:
                pass  # not listening yet
            time.sleep(0.005)  # short poll: the resolution of the start-up figure
        raise RuntimeError(f"/health did not answer within {timeout}s\n{self.log_tail()}")

    @property
    def env_port(self):
        return int(self.env["PORT"])

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # graceful: let it close DB pools
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, n=30):
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


async def _pg(admin_url, sql):
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# --- load ---


def run_scenario(args, port, token, method, path, body, concurrency):
    headers = [f"Authorization: Bearer {token}"]
    if args.wrk:
        return run_wrk(args, port, headers, method, path, body, concurrency)
    cmd = [
        sys.executable,
        str(BENCH_DIR / "loadgen.py"),
        "--port",
        str(port),
        "--method",
        method,
        "--path",
        path,
        "-c",
        str(concurrency),
        "-d",
        str(args.duration),
        "--warmup",
        str(args.warmup),
    ]
    for h in headers:
        cmd += ["-H", h]
    if body is not None:
        cmd += ["--body", body]
    # A separate process so the client's event loop never competes with ours.
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def run_wrk(args, port, headers, method, path, body, concurrency):
    """Optional cross-check with wrk (C, much cheaper per request than Python)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(f"wrk.method = {json.dumps(method)}\n")
        if body is not None:
            f.write(
                f"wrk.body = {json.dumps(body)}\nwrk.headers['Content-Type'] = 'application/json'\n"
            )
        script = f.name
    base = ["wrk", "-t1", f"-c{concurrency}", "-s", script, "--latency"]
    for h in headers:
        base += ["-H", h]
    url = f"http://{HOST}:{port}{path}"
    try:
        subprocess.run(
            base + [f"-d{max(1, round(args.warmup))}s", url], check=True, capture_output=True
        )
        out = subprocess.run(
            base + [f"-d{max(1, round(args.duration))}s", url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script)

    def ms(label):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return (
            round(float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)], 3)
            if m
            else None
        )

    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock_err = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return {
        "concurrency": concurrency,
        "requests": reqs,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(map(int, sock_err.groups())) if sock_err else 0),
        "tool": "wrk",
    }


def check_answer(port, token, method, path, body):
    """Return what is wrong with one response to this scenario, or None."""
    headers = {"Authorization": f"Bearer {token}"}
    status, raw = request(port, method, path, json.loads(body) if body else None, headers)
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if not 200 <= status < 300:
        return f"HTTP {status}: {raw[:200]!r}"
    user = (doc.get("data") or {}).get("viewer") if path == "/graphql" else doc
    if not isinstance(user, dict) or user.get("email") != SIGNUP["email"]:
        return f"unexpected answer: {raw[:200]!r}"
    return None


def bench_backend(args, backend):
    tmp = Path(tempfile.mkdtemp(prefix=f"parley-bench-{backend}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UVICORN_WORKERS")}
    env.update(
        DATA_DIR=str(tmp), HOST=HOST, PORT=str(free_port()), WEBUI_SECRET_KEY=secrets.token_hex(32)
    )
    if args.workers:
        env["UVICORN_WORKERS"] = str(args.workers)
    if args.pycache:
        # Without .pyc files every start re-compiles every module (~1.7 s here; this
        # sandbox sets PYTHONDONTWRITEBYTECODE). A deployed server has them, so give it a
        # bytecode cache outside the source tree; the first (fresh-db) start fills it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = args.pycache
    dbname = None
    if backend == "postgres":
        dbname = f"parley_bench_{secrets.token_hex(4)}"
        asyncio.run(_pg(f"{args.pg_url}/postgres", f'CREATE DATABASE "{dbname}"'))
        env["DATABASE_URL"] = f"{args.pg_url}/{dbname}"

    server = Server(args.app_dir, env, tmp / "server.log")
    result = {"backend": backend, "scenarios": []}
    try:
        # 1st start: empty database, so start-up includes creating the schema.
        result["startup_fresh_db_s"] = round(server.start(), 3)
        status, raw = request(server.env_port, "POST", "/api/v1/auths/signup", SIGNUP)
        if status != 200:
            raise RuntimeError(f"signup returned {status}: {raw[:300]!r}")
        token = json.loads(raw)["token"]
        server.stop()

        # Then the everyday case (schema exists), --starts times: the median is the figure,
        # since other work on the machine only ever adds to a start. The last process stays
        # up and is measured.
        # The server's CPU time up to /health is reported too: it is what a busy machine
        # moves least.
        samples, cpu = [], []
        for n in range(args.starts):
            if n:
                server.stop()
            samples.append(round(server.start(), 3))
            cpu.append(round(cpu_seconds(server.proc.pid), 2))
        result["startup_s"] = sorted(samples)[len(samples) // 2]
        result["startup_samples_s"] = samples
        result["startup_cpu_s"] = sorted(cpu)[len(cpu) // 2]
        time.sleep(args.settle)  # let lazy start-up work and GC finish before reading RSS
        result["idle_rss_mb"] = round(rss_mb(server.proc.pid), 1)
        result["idle_pss_mb"] = round(pss_mb(server.proc.pid), 1)
        result["server_processes"] = len(process_tree(server.proc.pid))
        for name, method, path, body in [] if args.startup_only else SCENARIOS:
            # loadgen only sees status codes; check one real answer so that a 200
            # carrying GraphQL errors is not reported as throughput.
            problem = check_answer(server.env_port, token, method, path, body)
            if problem:
                result.setdefault("problems", {})[name] = problem
            for c in args.concurrency:
                cpu0, t0 = cpu_seconds(server.proc.pid), time.perf_counter()
                r = run_scenario(args, server.env_port, token, method, path, body, c)
                # Server CPU over warm-up + window: ~100% per worker means it was the bottleneck.
                r["server_cpu_pct"] = round(
                    100 * (cpu_seconds(server.proc.pid) - cpu0) / (time.perf_counter() - t0), 1
                )
                r["scenario"] = name
                result["scenarios"].append(r)
                print(
                    f"  {backend:8} {name:26} c={c:<3} {r['rps']:>8.0f} req/s "
                    f"p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  errors {r['errors']}",
                    file=sys.stderr,
                )
        if not args.startup_only:
            result["rss_after_load_mb"] = round(rss_mb(server.proc.pid), 1)
    except Exception as e:
        result["error"] = str(e)
        print(f"{backend}: FAILED: {str(e).splitlines()[0]}", file=sys.stderr)
    finally:
        server.stop()
        if dbname:
            asyncio.run(
                _pg(f"{args.pg_url}/postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            )
        if args.keep_logs:
            print(f"  server log: {tmp / 'server.log'}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


# --- reporting ---


def verdict(value, goal, below=True):
    ok = value < goal if below else value >= goal
    return "ok" if ok else "MISSED"


def num(value, spec):
    return "-" if value is None else format(value, spec)  # None: no request completed


def print_report(results):
    for r in results:
        print(f"\n== {r['backend']} ==")
        if "startup_s" in r:
            t, goal = r["startup_s"], GOALS["startup_s"]
            print(
                f"start-up to /health  {t:.3f} s  (fresh db {r['startup_fresh_db_s']:.3f} s)"
                f"  goal < {goal} s  {verdict(t, goal)}"
            )
            samples = r["startup_samples_s"]
            print(f"  server CPU to /health {r['startup_cpu_s']:.2f} s"
                  + (f"; median of {len(samples)} starts: "
                     + " ".join(f"{s:.3f}" for s in samples) if len(samples) > 1 else ""))
        if "idle_rss_mb" in r:
            mb, goal = r["idle_rss_mb"], GOALS["idle_rss_mb"]
            print(
                f"idle RSS             {mb:.1f} MB  ({r['server_processes']} process(es),"
                f" PSS {r['idle_pss_mb']:.1f} MB)  goal < {goal:.0f} MB  {verdict(mb, goal)}"
            )
        if r["scenarios"]:
            print(
                f"{'scenario':26} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
                f" {'errors':>7} {'srv cpu':>8}  goal"
            )
        for s in r["scenarios"]:
            goal = ""
            if s["concurrency"] == 32:
                goal = f">= {GOALS['rps_at_32']:.0f} req/s "
                if s["scenario"] in r.get("problems", {}):
                    goal += "WRONG ANSWER"
                elif s["errors"]:
                    goal += "ERRORS"
                else:
                    goal += verdict(s["rps"], GOALS["rps_at_32"], below=False)
            print(
                f"{s['scenario']:26} {s['concurrency']:>4} {s['rps']:>8.0f}"
                f" {num(s['p50_ms'], '8.2f'):>8} {num(s['p99_ms'], '8.2f'):>8}"
                f" {s['errors']:>7} {s['server_cpu_pct']:>7.0f}%  {goal}"
            )
        if "rss_after_load_mb" in r:
            print(f"RSS after load       {r['rss_after_load_mb']:.1f} MB")
        for name, problem in r.get("problems", {}).items():
            print(f"WRONG ANSWER from {name}: {problem}")
        if "error" in r:
            print(f"ERROR: {r['error']}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per scenario")
    p.add_argument(
        "--warmup", type=float, default=1.0, help="discarded seconds before each scenario"
    )
    p.add_argument("--concurrency", default="1,32", help="comma-separated connection counts")
    p.add_argument("--workers", type=int, help="passed to the server as UVICORN_WORKERS")
    p.add_argument("--startup-only", action="store_true",
                   help="measure start-up and idle memory only, without the load scenarios")
    p.add_argument("--starts", type=int, default=1,
                   help="everyday starts to time; the median is reported")
    p.add_argument("--settle", type=float, default=2.0, help="seconds idle before reading RSS")
    p.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL without a database name",
    )
    p.add_argument(
        "--pycache",
        default=os.path.join(tempfile.gettempdir(), "parley-bench-pycache"),
        help="bytecode cache dir for the server ('' = inherit the environment as is)",
    )
    p.add_argument("--app-dir", default=str(ROOT), help="directory holding asgi.py")
    p.add_argument("--wrk", action="store_true", help="use wrk instead of bench/loadgen.py")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    p.add_argument("--keep-logs", action="store_true", help="keep the server's temp dir and log")
    args = p.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    if args.starts < 1:
        p.error("--starts must be at least 1")
    if args.wrk and not shutil.which("wrk"):
        p.error("--wrk needs wrk on PATH (apt-get install -y wrk)")

    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    # Other work on this machine skews every figure; record how busy it was.
    load_before = os.getloadavg()[0]
    results = [bench_backend(args, b) for b in backends]
    print_report(results)
    print(f"\n1-min load average before the run: {load_before:.2f} on {os.cpu_count()} CPUs")
    if args.json:
        doc = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_average_1min_before": load_before,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "settings": {
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "workers": args.workers,
                "bytecode_cache": bool(args.pycache),
                "tool": "wrk" if args.wrk else "loadgen",
                "startup_only": args.startup_only,
                "starts": args.starts,
            },
            "goals": GOALS,
            "results": results,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    # Missed goals are results; only a benchmark that could not run is a failure.
    sys.exit(1 if any("error" in r for r in results) else 0)


if __name__ == "__main__":
    main()
