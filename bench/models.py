"""Workspace models benchmark: Open WebUI's model list and the documented search over
1,000 model rows, each with a 20 kB profile image in its meta (as the web client stores
them), so the figures show that pages never read more rows than they answer.

For each backend it starts `asgi.py` (as bench/foundation.py does), signs up an admin,
imports 1,000 presets (10 tags among them, half shared with everyone) and a user, then
measures with bench/loadgen.py at concurrency 1: p50/p99 latency, requests per second
and server CPU per request, for

1. `GET /api/v1/models/list` (page 1: 30 items with owners and grants), as the admin
   and as the user (the access rule in SQL);
2. `GET /api/v1/models/list?query=...` and `?tag=...` (words and a tag in JSON meta);
3. `GET /api/models/search?q=...` (name, id, description and tags);
4. `POST /api/models/validate` (a definition with knowledge and params).

It measures and reports; it is not a test. The exit status is non-zero only when the
benchmark itself could not run.

    .venv/bin/python bench/models.py [--backend sqlite|postgres|both] [--duration S]
"""

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import foundation  # noqa: E402  (bench/ is a folder of scripts, not a package)

MODELS, TAGS, IMAGE_BYTES = 1000, 10, 20_000
ADMIN = {"name": "Bench", "email": "bench@example.com", "password": "bench-password-1"}
USER = {"name": "Reader", "email": "reader@example.com", "password": "bench-password-2",
        "role": "user"}
IMAGE = "data:image/png;base64," + "A" * (IMAGE_BYTES * 4 // 3)
VALIDATE = json.dumps({"id": "new-model", "name": "New", "base_model_id": "m0001",
                       "params": {"temperature": 0.5, "stop": ["\n"], "seed": 3},
                       "meta": {"knowledge": [{"id": "kb-none"}]}})
SCENARIOS = [  # name, method, path, body, who
    ("list page 1 (admin)", "GET", "/api/v1/models/list", None, "admin"),
    ("list page 1 (user)", "GET", "/api/v1/models/list", None, "user"),
    ("list ?query=", "GET", "/api/v1/models/list?query=m04", None, "admin"),
    ("list ?tag=", "GET", "/api/v1/models/list?tag=tag-3", None, "admin"),
    ("search ?q=", "GET", "/api/models/search?q=about%20model%2042", None, "admin"),
    ("validate", "POST", "/api/models/validate", VALIDATE, "admin"),
]


def call(port: int, method: str, path: str, body=None, token=None, timeout=120.0):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, raw = foundation.request(port, method, path, body, headers, timeout=timeout)
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path} returned {status}: {raw[:300]!r}")
    return json.loads(raw)


def seed(port: int) -> dict[str, str]:
    admin = call(port, "POST", "/api/v1/auths/signup", ADMIN)["token"]
    call(port, "POST", "/api/v1/auths/add", USER, admin)
    user = call(port, "POST", "/api/v1/auths/signin", {"email": USER["email"],
                                                        "password": USER["password"]})["token"]
    public = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]
    for start in range(0, MODELS, 100):
        models = [{"id": f"m{n:04d}", "name": f"Model {n}", "base_model_id": "llama3:8b",
                   "params": {"system": "Be brief."},
                   "meta": {"description": f"about model {n}", "profile_image_url": IMAGE,
                            "tags": [{"name": f"tag-{n % TAGS}"}]},
                   "access_grants": public if n % 2 else []}
                  for n in range(start, start + 100)]
        call(port, "POST", "/api/v1/models/import", {"models": models}, admin)
    return {"admin": admin, "user": user}


def measure(args, server, token, scenario):
    name, method, path, body, who = scenario
    cpu0 = foundation.cpu_seconds(server.proc.pid)
    result = foundation.run_scenario(args, server.env_port, token, method, path, body, 1)
    busy = foundation.cpu_seconds(server.proc.pid) - cpu0
    served = result["rps"] * (args.duration + args.warmup)
    result.update(scenario=name, server_cpu_ms=round(1000 * busy / served, 2) if served
                  else None)
    print(f"  {name:22} {result['rps']:>7.0f} req/s  p50 {result['p50_ms']} ms  p99 "
          f"{result['p99_ms']} ms  server cpu {result['server_cpu_ms']} ms/req  errors "
          f"{result['errors']}", file=sys.stderr)
    return result


def bench_backend(args, backend: str) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"parley-bench-models-{backend}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UVICORN_WORKERS")}
    env.update(DATA_DIR=str(tmp), HOST=foundation.HOST, PORT=str(foundation.free_port()),
               WEBUI_SECRET_KEY=secrets.token_hex(32))
    env["PYTHONPYCACHEPREFIX"] = args.pycache
    dbname = None
    if backend == "postgres":
        dbname = f"parley_bench_{secrets.token_hex(4)}"
        asyncio.run(foundation._pg(f"{args.pg_url}/postgres", f'CREATE DATABASE "{dbname}"'))
        env["DATABASE_URL"] = f"{args.pg_url}/{dbname}"
    server = foundation.Server(str(foundation.ROOT), env, tmp / "server.log")
    result: dict = {"backend": backend, "runs": []}
    print(f"{backend}:", file=sys.stderr)
    try:
        server.start()
        started = time.perf_counter()
        tokens = seed(server.env_port)
        result["seed_s"] = round(time.perf_counter() - started, 1)
        first = call(server.env_port, "GET", "/api/v1/models/list", token=tokens["admin"])
        assert first["total"] == MODELS and len(first["items"]) == 30
        for scenario in SCENARIOS:
            result["runs"].append(measure(args, server, tokens[scenario[4]], scenario))
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


def report(results: list[dict]) -> None:
    print(f"\n| scenario ({MODELS} models) | backend | req/s | p50 ms | p99 ms | "
          "server cpu ms/req |")
    print("|---|---|---|---|---|---|")
    for result in results:
        for run in result["runs"]:
            print(f"| {run['scenario']} | {result['backend']} | {run['rps']:.0f} | "
                  f"{run['p50_ms']} | {run['p99_ms']} | {run['server_cpu_ms']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="discarded seconds before each scenario")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--pycache", default=os.path.join(tempfile.gettempdir(),
                                                          "parley-bench-pycache"))
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    args.wrk = False
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    load_before = os.getloadavg()[0]
    results = [bench_backend(args, backend) for backend in backends]
    report(results)
    print(f"\n1-min load average before the run: {load_before:.2f} on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results}, indent=2) + "\n")
    sys.exit(1 if any("error" in r for r in results) else 0)


if __name__ == "__main__":
    main()
