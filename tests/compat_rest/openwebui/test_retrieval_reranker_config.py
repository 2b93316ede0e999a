"""The reranker as runtime config on SQLite and PostgreSQL: Open WebUI's
RAG_RERANKING_ENGINE / RAG_RERANKING_MODEL / RAG_EXTERNAL_RERANKER_* in
`/api/v1/retrieval/config`, kept in its `rag.*` rows, the key masked; hybrid searches
follow a change at once (a scripted reranker on a real socket), and a bad value is a 400
that writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from data.tables import ConfigRow
from resolvers.retrieval.settings import mask
from tests.conftest import bearer
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.reranking import ScriptedModels
from tests.support.retrieval import make_knowledge

V1 = "/api/v1/retrieval"
KEY = "rerank-0123456789abcdef-secret"
DOCS = ["Cats sleep sixteen hours every day", "Cats chase red dots", "Trains run on time"]


@pytest.fixture
async def upstream() -> AsyncIterator[ScriptedModels]:
    """The embedding server, and the reranker on the same socket."""
    async with ScriptedModels(key=KEY) as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "20",
                                          "ENABLE_RAG_HYBRID_SEARCH": "true"}


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com")
    return {"admin": bearer(admin["token"]), "alice": bearer(alice["token"]),
            "alice_id": alice["id"]}


def rerank_calls(upstream) -> int:
    return sum(r.path == "/v1/rerank" for r in upstream.requests)


async def stored(app, key: str):
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(select(ConfigRow.value).where(ConfigRow.key == key))
                ).scalar_one()


async def test_the_reranker_is_chosen_at_run_time_with_its_key_masked(app, client, people,
                                                                      upstream):
    admin, alice = people["admin"], people["alice"]
    kb = await make_knowledge(app, people["alice_id"])
    for content in DOCS:
        await client.post("/api/rag/embed", headers=alice,
                          json={"content": content, "collection_name": kb})
    query = {"collection_name": kb, "query": "cats sleep", "k": 3}
    cosine = (await client.post(f"{V1}/query/doc", headers=alice, json=query)).json()
    assert cosine["documents"][0][0] == DOCS[0] and not rerank_calls(upstream)

    changed = await client.post(f"{V1}/config/update", headers=admin, json={
        "RAG_RERANKING_ENGINE": "external", "RAG_RERANKING_MODEL": "bge-reranker-v2-m3",
        "RAG_EXTERNAL_RERANKER_URL": f"{upstream.openai_url}/rerank",
        "RAG_EXTERNAL_RERANKER_API_KEY": KEY, "RAG_EXTERNAL_RERANKER_TIMEOUT": "5"})
    assert changed.status_code == 200, changed.text
    shown = changed.json()
    assert KEY not in changed.text and shown["RAG_EXTERNAL_RERANKER_API_KEY"] == mask(KEY)
    assert shown["RAG_RERANKING_ENGINE"] == "external"
    assert shown["RAG_EXTERNAL_RERANKER_TIMEOUT"] == "5"
    assert await stored(app, "rag.external_reranker_api_key") == KEY
    assert (await client.get(f"{V1}/config", headers=admin)).json() == shown

    # A reranker with its own mind: it prefers the trains, which share no word.
    upstream.score = lambda q, doc: 0.9 if "Trains" in doc else 0.2
    reranked = (await client.post(f"{V1}/query/doc", headers=alice, json=query)).json()
    assert reranked["documents"][0][0] == DOCS[2]
    assert reranked["distances"][0][0] == pytest.approx(0.9)
    sent = upstream.last("/v1/rerank")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "bge-reranker-v2-m3"

    # The form sent back as shown keeps the real key; switching off goes back to cosine.
    again = await client.post(f"{V1}/config/update", headers=admin, json=shown)
    assert again.status_code == 200
    assert await stored(app, "rag.external_reranker_api_key") == KEY
    await client.post(f"{V1}/config/update", headers=admin, json={"RAG_RERANKING_ENGINE": ""})
    count = rerank_calls(upstream)
    plain = (await client.post(f"{V1}/query/doc", headers=alice, json=query)).json()
    assert plain["documents"][0][0] == DOCS[0]
    assert rerank_calls(upstream) == count


@pytest.mark.parametrize("body", [
    {"RAG_RERANKING_ENGINE": "external"},  # no URL stored
    {"RAG_RERANKING_ENGINE": "colbert", "RAG_EXTERNAL_RERANKER_URL": "http://r/rerank"},
    {"RAG_RERANKING_ENGINE": "external", "RAG_EXTERNAL_RERANKER_URL": "file:///etc"},
    {"RAG_EXTERNAL_RERANKER_TIMEOUT": "-1"}, {"RAG_EXTERNAL_RERANKER_TIMEOUT": 5},
    {"RAG_EXTERNAL_RERANKER_TIMEOUT": "soon"}, {"RAG_RERANKING_MODEL": ["m"]},
    {"RAG_EXTERNAL_RERANKER_API_KEY": 12}])
async def test_bad_reranker_settings_change_nothing(app, client, people, body):
    response = await client.post(f"{V1}/config/update", headers=people["admin"], json=body)
    assert response.status_code == 400, response.text
    assert "detail" in response.json()
    assert await stored(app, "rag.reranking_engine") == ""
    assert await stored(app, "rag.external_reranker_url") == ""
    assert await stored(app, "rag.external_reranker_timeout") == ""


async def test_reranker_rows_written_elsewhere_that_cannot_work_fall_back(app, client,
                                                                         people, upstream):
    """Rows naming the external engine without a usable URL are not a 500."""
    services = app.state.services
    async with services.write_sessionmaker() as session:
        await services.config.set(session, {"rag.reranking_engine": "external",
                                            "rag.external_reranker_url": "nowhere",
                                            "rag.external_reranker_timeout": 7})
        await session.commit()
    kb = await make_knowledge(app, people["alice_id"])
    await client.post("/api/rag/embed", headers=people["alice"],
                      json={"content": DOCS[0], "collection_name": kb})
    found = await client.post(f"{V1}/query/doc", headers=people["alice"],
                              json={"collection_name": kb, "query": "cats"})
    assert found.status_code == 200 and found.json()["documents"] == [[DOCS[0]]]
    assert not rerank_calls(upstream)
