"""Hybrid search with an external reranker (RAG_RERANKING_ENGINE=external) on SQLite and
PostgreSQL, against a scripted reranker on a real socket: Open WebUI's request shape,
the reranker's scores ordering and thresholding the results, and a reranker that is
down, slow or answers badly being a clear UpstreamFailed that names neither its URL
nor its key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from data.reranking import RerankSettingsError, load_rerank_settings
from resolvers.context import Context
from resolvers.errors import UpstreamFailed
from resolvers.retrieval.chunks import Chunk, add_chunks
from resolvers.retrieval.search import search_hybrid
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.reranking import ScriptedModels

KEY = "rerank-secret-key"
DOCS = [Chunk("Cats sleep sixteen hours every day"),
        Chunk("Dogs sleep less than cats do"),
        Chunk("The zebra crossing is painted white")]


@pytest.fixture
async def upstream() -> AsyncIterator[ScriptedModels]:
    """The embedding server."""
    async with ScriptedModels() as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


@pytest.fixture
async def reranker() -> AsyncIterator[ScriptedModels]:
    async with ScriptedModels(key=KEY) as scripted:
        yield scripted


@pytest.fixture
def env_overrides(upstream, reranker) -> dict[str, str]:
    # The embedding timeout is not what is tested here: generous, for a busy machine.
    return {**embedding_env(upstream.url), "RAG_EMBEDDING_TIMEOUT": "20",
            "RAG_RERANKING_ENGINE": "external",
            "RAG_RERANKING_MODEL": "bge-reranker-v2-m3",
            "RAG_EXTERNAL_RERANKER_URL": f"{reranker.openai_url}/rerank",
            "RAG_EXTERNAL_RERANKER_API_KEY": KEY, "RAG_EXTERNAL_RERANKER_TIMEOUT": "1"}


@pytest.fixture
def ctx(app) -> Context:
    return Context(app.state.services)


async def test_the_reranker_orders_and_scores_hybrid_results(ctx, reranker):
    await add_chunks(ctx, "kb", DOCS)
    # A reranker with its own mind: it prefers the zebra, which shares no word.
    reranker.score = lambda query, doc: 0.9 if "zebra" in doc else 0.1 * len(doc) / 100
    found = await search_hybrid(ctx, ["kb"], "cats sleep", k=3, k_reranker=3,
                                bm25_weight=0.5)
    assert found[0].text == DOCS[2].text and found[0].score == pytest.approx(0.9)
    sent = reranker.last("/v1/rerank")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "bge-reranker-v2-m3" and sent.body["query"] == "cats sleep"
    assert sorted(sent.body["documents"]) == sorted(d.text for d in DOCS)
    assert sent.body["top_n"] == len(sent.body["documents"])
    # Only the reranker's scores meet the threshold; a document it left out is dropped.
    kept = await search_hybrid(ctx, ["kb"], "cats sleep", k=3, threshold=0.5)
    assert [c.text for c in kept] == [DOCS[2].text]
    reranker.rerank_answer = {"results": [{"index": 1, "relevance_score": 0.7}]}
    partial = await search_hybrid(ctx, ["kb"], "cats sleep", k=3, bm25_weight=0.0)
    assert len(partial) == 1 and partial[0].score == pytest.approx(0.7)


@pytest.mark.parametrize("fault, status, words", [
    ("refusing", 502, "reranker"), ("slow", 504, "did not answer within 1 s"),
    ("no_results", 502, "list of results"), ("bad_index", 502, "index"), ("down", 502, "reranker"),
])
async def test_a_failing_reranker_is_a_clear_error(ctx, reranker, fault, status, words):
    await add_chunks(ctx, "kb", DOCS)
    if fault == "refusing":
        reranker.rerank_status = 500
    elif fault == "slow":
        reranker.rerank_delay = 3
    elif fault == "no_results":
        reranker.rerank_answer = ["no results"]
    elif fault == "bad_index":
        reranker.rerank_answer = {"results": [{"index": 7, "relevance_score": 1}]}
    else:
        await reranker.__aexit__(None, None, None)
    with pytest.raises(UpstreamFailed) as raised:
        await search_hybrid(ctx, ["kb"], "cats sleep", k=3)
    assert raised.value.status == status and words.lower() in raised.value.message.lower()
    assert KEY not in raised.value.message and str(reranker.port) not in raised.value.message


def test_settings_name_the_bad_variable():
    assert load_rerank_settings({}).external is False
    with pytest.raises(RerankSettingsError, match="RAG_RERANKING_ENGINE"):
        load_rerank_settings({"RAG_RERANKING_ENGINE": "colbert"})
    with pytest.raises(RerankSettingsError, match="RAG_EXTERNAL_RERANKER_URL"):
        load_rerank_settings({"RAG_RERANKING_ENGINE": "external"})
    with pytest.raises(RerankSettingsError, match="RAG_EXTERNAL_RERANKER_TIMEOUT"):
        load_rerank_settings({"RAG_EXTERNAL_RERANKER_TIMEOUT": "soon"})
    settings = load_rerank_settings({"RAG_RERANKING_ENGINE": "External",
                                     "RAG_EXTERNAL_RERANKER_URL": "http://r/v1/rerank",
                                     "RAG_EXTERNAL_RERANKER_TIMEOUT": "2.5"})
    assert settings.external and settings.timeout == 2.5
