"""What the retrieval routes add to a search: `POST /api/v1/retrieval/query/doc` as a
user (the collection access rules of rest-ai.md §8.2 run) and as an admin (names are
only checked), over one knowledge base collection, through the whole app in process
(httpx over ASGI), with query embeddings from the tests' scripted Ollama server (a
real socket). Beside it, the access check alone for 1 and for 20 collections.

The collection's chunks are stored straight through the store (no embedding time), so
the figures are: HTTP + auth + access check + one embedding round trip + the search.

    .venv/bin/python bench/retrieval_routes.py [--backend sqlite|postgres] [--chunks 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/graphql.py would shadow the graphql package: the repo root, not bench/, goes first.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi chi psi omega").split()
QUERIES = 200


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


async def timed(call, count: int) -> list[float]:
    spent = []
    for i in range(count):
        began = time.perf_counter()
        await call(i)
        spent.append(time.perf_counter() - began)
    return spent


async def run(backend: str, chunks: int) -> None:
    import httpx

    from asgi import create_app
    from data.settings import load_settings
    from data.vectors import Item
    from resolvers.context import Context, Credentials
    from resolvers.permissions import require_verified
    from resolvers.retrieval.access import denied_collections
    from tests.support.databases import create_pg_database, drop_pg_database
    from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
    from tests.support.retrieval import make_knowledge
    from tests.support.upstream import ScriptedUpstream

    temp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{temp.name}/webui.db" if backend == "sqlite" \
        else await create_pg_database()
    try:
        async with ScriptedUpstream() as upstream:
            upstream.script(MODEL, dims=DIMS)
            upstream.vectorize = bag_of_words
            settings = load_settings({"DATA_DIR": temp.name, "DATABASE_URL": url,
                                      "WEBUI_SECRET_KEY": "bench-secret-" + "0123456789" * 3,
                                      **embedding_env(upstream.url),
                                      "RAG_EMBEDDING_TIMEOUT": "30"})
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport,
                                             base_url="http://bench") as client:
                    await measure(app, client, chunks, Item, make_knowledge, bag_of_words,
                                  Context, Credentials, require_verified, denied_collections)
    finally:
        if backend != "sqlite":
            await drop_pg_database(url)
        temp.cleanup()


async def measure(app, client, chunks, Item, make_knowledge, vectorize, Context,
                  Credentials, require_verified, denied_collections) -> None:
    admin = (await client.post("/api/v1/auths/signup", json={
        "name": "A", "email": "admin@example.com", "password": "admin-pass-1"})).json()
    client.cookies.clear()
    auth = {"Authorization": f"Bearer {admin['token']}"}
    await client.post("/api/v1/auths/add", headers=auth, json={
        "name": "U", "email": "user@example.com", "password": "user-pass-1",
        "role": "user"})
    user = (await client.post("/api/v1/auths/signin", json={
        "email": "user@example.com", "password": "user-pass-1"})).json()
    client.cookies.clear()
    kbs = [await make_knowledge(app, admin["id"], ("user", user["id"], "read"))
           for _ in range(20)]
    store = app.state.services.vectors
    for start in range(0, chunks, 500):
        texts = [" ".join(WORDS[(start + i + j) % len(WORDS)] for j in range(30))
                 for i in range(min(500, chunks - start))]
        await store.insert(kbs[0], [Item(str(uuid.uuid4()), t, vectorize(t), {"name": "b"})
                                    for t in texts])

    async def query(token: str, i: int) -> None:
        response = await client.post("/api/v1/retrieval/query/doc", headers={
            "Authorization": f"Bearer {token}"}, json={
            "collection_name": kbs[0], "query": f"{WORDS[i % 24]} {WORDS[(i * 7) % 24]}",
            "k": 5})
        assert response.status_code == 200, response.text

    async def check(names: list[str]) -> None:
        ctx = Context(app.state.services, Credentials(bearer=user["token"]))
        async with ctx.unit_of_work():
            assert await denied_collections(ctx, await require_verified(ctx), names) == []

    await query(user["token"], 0)  # first search loads the collection's matrix
    rows = [("query/doc as a user", await timed(lambda i: query(user["token"], i), QUERIES)),
            ("query/doc as an admin", await timed(lambda i: query(admin["token"], i),
                                                  QUERIES)),
            ("auth + access check, 1 name", await timed(lambda i: check(kbs[:1]), QUERIES)),
            ("auth + access check, 20 names", await timed(lambda i: check(kbs), QUERIES))]
    print(f"{chunks} chunks of {len(vectorize('x'))} dimensions in one collection")
    for name, spent in rows:
        print(f"{name:32} p50 {percentile(spent, 0.5):7.2f} ms   p99 "
              f"{percentile(spent, 0.99):7.2f} ms   mean {statistics.mean(spent) * 1000:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--chunks", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.chunks))


if __name__ == "__main__":
    main()
