"""A grounded answer on Open WebUI's unified route (`POST /api/chat/completions`, not
streamed) naming 3 files, through the whole app in process (httpx over ASGI), with the
tests' scripted server (a real socket) as both the chat upstream and the embedding
engine. Prints p50/p99 and how many embedding requests one answer costs (the question
is embedded once per request, not once per document).

    .venv/bin/python bench/grounding.py [--backend sqlite|postgres] [--files 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/graphql.py would shadow the graphql package: the repo root, not bench/, goes first.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.retrieval_routes import percentile, timed  # noqa: E402

REQUESTS = 100


async def run(backend: str, files: int) -> None:
    import httpx

    from asgi import create_app
    from data.settings import load_settings
    from tests.support.ai import UPSTREAM_KEY
    from tests.support.databases import create_pg_database, drop_pg_database
    from tests.support.embeddings import DIMS, MODEL, bag_of_words
    from tests.support.grounding import PASSAGE, QUESTION, chunked_file, grounding_env
    from tests.support.upstream import ScriptedUpstream

    temp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{temp.name}/webui.db" if backend == "sqlite" \
        else await create_pg_database()
    try:
        async with ScriptedUpstream(key=UPSTREAM_KEY) as upstream:
            upstream.script(MODEL, dims=DIMS)
            upstream.vectorize = bag_of_words
            settings = load_settings({"DATA_DIR": temp.name, "DATABASE_URL": url,
                                      "WEBUI_SECRET_KEY": "bench-secret-" + "0123456789" * 3,
                                      **grounding_env(upstream),
                                      "RAG_EMBEDDING_TIMEOUT": "30"})
            app = create_app(settings)
            async with app.router.lifespan_context(app), httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
                admin = (await client.post("/api/v1/auths/signup", json={
                    "name": "A", "email": "admin@example.com",
                    "password": "admin-pass-1"})).json()
                client.cookies.clear()
                token = admin["token"]
                ids = [await chunked_file(app, client, token, f"doc{i}.md",
                                          f"{PASSAGE} ({i})", f"Unrelated text {i}.")
                       for i in range(files)]
                body = {"model": "gpt-4o", "stream": False,
                        "messages": [{"role": "user", "content": QUESTION}],
                        "files": [{"type": "file", "id": i} for i in ids]}

                async def ask(_: int) -> None:
                    response = await client.post("/api/chat/completions", json=body,
                                                 headers={"Authorization": f"Bearer {token}"})
                    assert response.status_code == 200, response.text

                await ask(0)
                embeds = sum(r.path == "/api/embed" for r in upstream.requests)
                spent = await timed(ask, REQUESTS)
                per_request = (sum(r.path == "/api/embed" for r in upstream.requests)
                               - embeds) / REQUESTS
        print(f"{backend}: {files} files, p50 {percentile(spent, 0.5):.1f} ms, p99 "
              f"{percentile(spent, 0.99):.1f} ms, {per_request:g} embedding requests "
              "per answer")
    finally:
        if backend != "sqlite":
            await drop_pg_database(url)
        temp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--files", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.files))


if __name__ == "__main__":
    main()
