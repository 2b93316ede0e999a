"""Open WebUI's retrieval settings routes on SQLite and PostgreSQL: admins only, values
checked before any is written, kept in the `config` table, and followed at once by the
searches (k, hybrid) and by the embedding engine (another engine, URL or key without a
restart); API keys never leave unmasked. An embedding upstream that is down or failing
answers a 5xx with the reason and leaves nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from data.tables import ConfigRow
from resolvers.retrieval.settings import mask
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.reranking import ScriptedModels
from tests.support.retrieval import make_knowledge
from tests.support.server import free_port

V1 = "/api/v1/retrieval"
KEY = "sk-proj-0123456789abcdef-secret"
DOCS = ["Cats sleep sixteen hours every day", "Cats chase red dots", "Trains run on time"]


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "20"}


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com")
    return {"admin": bearer(admin["token"]), "alice": bearer(alice["token"]),
            "alice_id": alice["id"]}


async def stored(app, key: str):
    """The row's JSON value, straight from the table."""
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(select(ConfigRow.value).where(ConfigRow.key == key))
                ).scalar_one()


async def chunk_count(app, collection: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(text(
            "SELECT count(*) FROM parley_vector_chunk WHERE collection = :c"),
            {"c": collection})).scalar_one()


async def test_settings_are_for_admins(client, people):
    for method, path in (("GET", "/config"), ("POST", "/config/update"),
                         ("GET", "/embedding"), ("POST", "/embedding/update")):
        for who in ({}, people["alice"]):
            response = await client.request(method, f"{V1}{path}", headers=who, json={})
            assert response.status_code == 401, (path, who)


async def test_search_settings_change_the_searches(app, client, people):
    admin, alice = people["admin"], people["alice"]
    shown = (await client.get(f"{V1}/config", headers=admin)).json()
    assert shown == {"status": True, "TOP_K": 3, "TOP_K_RERANKER": 3,
                     "RELEVANCE_THRESHOLD": 0.0, "HYBRID_BM25_WEIGHT": 0.5,
                     "ENABLE_RAG_HYBRID_SEARCH": False, "RAG_RERANKING_ENGINE": "",
                     "RAG_RERANKING_MODEL": "", "RAG_EXTERNAL_RERANKER_URL": "",
                     "RAG_EXTERNAL_RERANKER_API_KEY": "",
                     "RAG_EXTERNAL_RERANKER_TIMEOUT": ""}
    kb = await make_knowledge(app, people["alice_id"])
    for content in DOCS:
        await client.post("/api/rag/embed", headers=alice,
                          json={"content": content, "collection_name": kb})
    query = {"collection_name": kb, "query": "cats sleep", "hybrid": True}
    before = (await client.post(f"{V1}/query/doc", headers=alice, json=query)).json()
    assert "ids" in before and len(before["documents"][0]) == 3  # hybrid off: vectors

    # Open WebUI's form carries settings Parley has not: they are ignored.
    changed = await client.post(f"{V1}/config/update", headers=admin, json={
        "TOP_K": 1, "ENABLE_RAG_HYBRID_SEARCH": True, "RAG_FULL_CONTEXT": False,
        "web": {"ENABLE_WEB_SEARCH": False}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["TOP_K"] == 1 and changed.json()["ENABLE_RAG_HYBRID_SEARCH"]
    assert await stored(app, "rag.top_k") == 1
    assert await stored(app, "rag.enable_hybrid_search") is True
    hybrid = (await client.post(f"{V1}/query/doc", headers=alice, json=query)).json()
    assert set(hybrid) == {"documents", "metadatas", "distances"}
    assert hybrid["documents"] == [[DOCS[0]]]
    opted_out = (await client.post(f"{V1}/query/doc", headers=alice,
                                   json={**query, "hybrid": False})).json()
    assert "ids" in opted_out and opted_out["documents"] == [[DOCS[0]]]


async def test_hybrid_query_options_are_honoured(app, client, people):
    admin, alice = people["admin"], people["alice"]
    kb = await make_knowledge(app, people["alice_id"])
    for content in DOCS:
        await client.post("/api/rag/embed", headers=alice,
                          json={"content": content, "collection_name": kb})
    await client.post(f"{V1}/config/update", headers=admin,
                      json={"ENABLE_RAG_HYBRID_SEARCH": True})

    async def ask(**options):
        response = await client.post(f"{V1}/query/doc", headers=alice, json={
            "collection_name": kb, "query": "cats sleep", "k": 3, **options})
        return response.status_code, response.json()

    status, found = await ask()
    assert status == 200 and len(found["documents"][0]) == 3  # k_reranker 3 by default
    assert found["documents"][0][0] == DOCS[0] and found["distances"][0][-1] == 0.0
    assert (await ask(k_reranker=1))[1]["documents"] == [[DOCS[0]]]
    # r is the relevance threshold on the cosine: "Trains run on time" shares no word.
    assert (await ask(r=0.1))[1]["documents"] == [[DOCS[0], DOCS[1]]]
    assert (await ask(r=0.99))[1]["documents"] == [[]]
    # BM25 weight 1: keyword ranking only; a text without the words is no candidate.
    assert DOCS[2] not in (await ask(hybrid_bm25_weight=1.0))[1]["documents"][0]
    for bad, status in (({"hybrid_bm25_weight": 2}, 400), ({"k_reranker": 0}, 400),
                        ({"r": "high"}, 422), ({"hybrid": "yes"}, 422)):
        assert (await ask(**bad))[0] == status, bad


@pytest.mark.parametrize("body", [{"TOP_K": "3"}, {"TOP_K": 0}, {"TOP_K": True},
                                  {"TOP_K": 2, "HYBRID_BM25_WEIGHT": 2},
                                  {"ENABLE_RAG_HYBRID_SEARCH": "yes"},
                                  {"TOP_K": 2, "RELEVANCE_THRESHOLD": "high"}])
async def test_bad_search_settings_change_nothing(app, client, people, body):
    response = await client.post(f"{V1}/config/update", headers=people["admin"], json=body)
    assert response.status_code == 400 and "detail" in response.json()
    assert await stored(app, "rag.top_k") == 3


async def test_embedding_engine_changes_at_run_time_with_keys_masked(app, client, people,
                                                                     upstream):
    admin, alice = people["admin"], people["alice"]
    shown = (await client.get(f"{V1}/embedding", headers=admin)).json()
    assert shown["RAG_EMBEDDING_ENGINE"] == "ollama" and shown["RAG_EMBEDDING_MODEL"] == MODEL
    assert shown["ollama_config"] == {"url": upstream.url, "key": ""}

    upstream.key = KEY  # the OpenAI-compatible routes now need it
    changed = await client.post(f"{V1}/embedding/update", headers=admin, json={
        "RAG_EMBEDDING_ENGINE": "openai", "RAG_EMBEDDING_MODEL": MODEL,
        "openai_config": {"url": upstream.openai_url, "key": KEY}})
    assert changed.status_code == 200, changed.text
    masked = changed.json()["openai_config"]["key"]
    assert KEY not in changed.text and masked.startswith("sk-") and masked.endswith("cret")
    assert await stored(app, "rag.openai_api_key") == KEY
    assert (await client.get(f"{V1}/embedding", headers=admin)).json() == changed.json()
    embedded = await client.post("/api/rag/embed", headers=alice, json={"texts": ["cats"]})
    assert embedded.status_code == 200, embedded.text
    assert embedded.json()["engine"] == "openai" and len(embedded.json()["embeddings"][0]) \
        == DIMS
    # The form sent back as shown keeps the real key.
    again = await client.post(f"{V1}/embedding/update", headers=admin, json=changed.json())
    assert again.status_code == 200 and await stored(app, "rag.openai_api_key") == KEY
    assert (await client.post("/api/rag/embed", headers=alice,
                              json={"texts": ["dogs"]})).status_code == 200


@pytest.mark.parametrize("body", [
    {"RAG_EMBEDDING_ENGINE": "chroma"}, {"RAG_EMBEDDING_MODEL": ""},
    {"RAG_EMBEDDING_BATCH_SIZE": 0}, {"ollama_config": {"url": "ftp://example.com"}},
    {"openai_config": {"url": "http://x", "key": 5}}, {"RAG_EMBEDDING_MODEL": ["m"]}])
async def test_bad_embedding_settings_change_nothing(app, client, people, body):
    response = await client.post(f"{V1}/embedding/update", headers=people["admin"], json=body)
    assert response.status_code == 400, response.text
    assert await stored(app, "rag.embedding_engine") == "ollama"
    assert await stored(app, "rag.embedding_model") == MODEL


async def test_an_embedding_server_down_or_failing_writes_nothing(app, client, people,
                                                                  upstream):
    admin, alice = people["admin"], people["alice"]
    kb = await make_knowledge(app, people["alice_id"])
    moved = await client.post(f"{V1}/embedding/update", headers=admin, json={
        "ollama_config": {"url": f"http://127.0.0.1:{free_port()}"}})
    assert moved.status_code == 200
    for path, body in (("/api/rag/embed", {"content": DOCS[0], "collection_name": kb}),
                       (f"{V1}/process/text", {"name": "n", "content": DOCS[0],
                                               "collection_name": kb}),
                       (f"{V1}/query/doc", {"collection_name": kb, "query": "cats"})):
        response = await client.post(path, headers=alice, json=body)
        assert response.status_code in (502, 503), (path, response.text)
        assert "embedding server" in response.json()["detail"]
    assert await chunk_count(app, kb) == 0

    await client.post(f"{V1}/embedding/update", headers=admin,
                      json={"ollama_config": {"url": upstream.url}})
    upstream.script(MODEL, dims=DIMS, status=500, error_message="out of memory")
    failing = await client.post(f"{V1}/process/text", headers=alice, json={
        "name": "n", "content": DOCS[0], "collection_name": kb})
    assert failing.status_code == 502 and "out of memory" in failing.json()["detail"]
    assert await chunk_count(app, kb) == 0


async def test_rows_of_the_wrong_type_fall_back_to_the_environment(app, client, people):
    """Rows another program (or a hand) wrote with values we cannot use are not a 500."""
    services = app.state.services
    async with services.write_sessionmaker() as session:
        await services.config.set(session, {
            "rag.top_k": "five", "rag.enable_hybrid_search": 1, "rag.ollama.url": None,
            "rag.embedding_engine": "azure_openai", "rag.embedding_batch_size": True})
        await session.commit()
    kb = await make_knowledge(app, people["alice_id"])
    for content in DOCS:
        response = await client.post("/api/rag/embed", headers=people["alice"],
                                     json={"content": content, "collection_name": kb})
        assert response.status_code == 200, response.text
    found = await client.post(f"{V1}/query/doc", headers=people["alice"],
                              json={"collection_name": kb, "query": "cats"})
    assert found.status_code == 200 and "ids" in found.json()  # vector search, as by env
    assert len(found.json()["documents"][0]) == 3  # RAG_TOP_K from the environment


# ---- Azure OpenAI embeddings chosen at run time ---------------------------------------

AZURE_KEY = "azure-0123456789abcdef-secret"


@pytest.fixture
async def azure():
    async with ScriptedModels() as scripted:
        scripted.azure_key = AZURE_KEY
        scripted.vectorize = bag_of_words
        yield scripted


async def test_azure_embeddings_are_chosen_at_run_time(app, client, people, azure):
    admin, alice = people["admin"], people["alice"]
    shown = (await client.get(f"{V1}/embedding", headers=admin)).json()
    assert shown["azure_openai_config"] == {"url": "", "key": "", "version": ""}
    changed = await client.post(f"{V1}/embedding/update", headers=admin, json={
        "RAG_EMBEDDING_ENGINE": "azure_openai", "RAG_EMBEDDING_MODEL": "embed-deploy",
        "azure_openai_config": {"url": azure.url, "key": AZURE_KEY,
                                "version": "2024-02-01"}})
    assert changed.status_code == 200, changed.text
    config = changed.json()["azure_openai_config"]
    assert AZURE_KEY not in changed.text and config["key"] == mask(AZURE_KEY)
    assert config["url"] == azure.url and config["version"] == "2024-02-01"
    assert await stored(app, "rag.azure_openai.api_key") == AZURE_KEY
    assert await stored(app, "rag.azure_openai.base_url") == azure.url
    assert await stored(app, "rag.azure_openai.api_version") == "2024-02-01"

    kb = await make_knowledge(app, people["alice_id"])
    for content in DOCS:
        response = await client.post("/api/rag/embed", headers=alice,
                                     json={"content": content, "collection_name": kb})
        assert response.status_code == 200, response.text
    found = await client.post(f"{V1}/query/doc", headers=alice,
                              json={"collection_name": kb, "query": "cats sleep", "k": 1})
    assert found.json()["documents"] == [[DOCS[0]]]
    sent = [r for r in azure.requests if "/openai/deployments/embed-deploy/" in r.path]
    assert len(sent) == 4 and all(r.headers["api-key"] == AZURE_KEY for r in sent)

    # The form sent back as shown keeps the real key; a wrong key is refused upstream.
    again = await client.post(f"{V1}/embedding/update", headers=admin, json=changed.json())
    assert again.status_code == 200 and await stored(app, "rag.azure_openai.api_key") \
        == AZURE_KEY
    await client.post(f"{V1}/embedding/update", headers=admin,
                      json={"azure_openai_config": {"key": "wrong"}})
    refused = await client.post("/api/rag/embed", headers=alice, json={"texts": ["cats"]})
    assert refused.status_code in (401, 502) and "wrong" not in refused.text


@pytest.mark.parametrize("body", [
    {"RAG_EMBEDDING_ENGINE": "azure_openai"},  # no URL nor version stored yet
    {"RAG_EMBEDDING_ENGINE": "azure_openai", "azure_openai_config": {"url": "http://x"}},
    {"RAG_EMBEDDING_ENGINE": "azure_openai",
     "azure_openai_config": {"url": "ftp://x", "version": "2024-02-01"}},
    {"azure_openai_config": {"version": 5}}, {"azure_openai_config": {"key": ["k"]}}])
async def test_bad_azure_settings_change_nothing(app, client, people, body):
    response = await client.post(f"{V1}/embedding/update", headers=people["admin"], json=body)
    assert response.status_code == 400, response.text
    assert "detail" in response.json()
    assert await stored(app, "rag.embedding_engine") == "ollama"
    assert await stored(app, "rag.azure_openai.base_url") == ""
