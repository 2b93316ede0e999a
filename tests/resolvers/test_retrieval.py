"""Retrieval's resolvers on a started app (SQLite and PostgreSQL), with embeddings from
the scripted Ollama server: chunks added all or nothing, vector, keyword and hybrid
search over several collections, Open WebUI's fusion and threshold, and every failure a
DomainError with a 4xx or 5xx status, never a stray exception."""

from __future__ import annotations

import hashlib
import re

import pytest

from resolvers.context import Context
from resolvers.errors import Invalid, UpstreamFailed
from resolvers.retrieval.chunks import Chunk, add_chunks, delete_chunks, embed_texts
from resolvers.retrieval.search import search, search_hybrid, search_keywords, search_vectors
from tests.support.upstream import ScriptedUpstream

MODEL = "nomic-embed-text:latest"
DIMS = 64


def bag_of_words(text: str) -> list[float]:
    """A text's words hashed into 64 buckets: texts sharing words are near."""
    vector = [0.0] * DIMS
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMS] += 1.0
    return vector


@pytest.fixture
async def upstream():
    async with ScriptedUpstream() as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return {"RAG_EMBEDDING_ENGINE": "ollama", "RAG_EMBEDDING_MODEL": MODEL,
            "RAG_OLLAMA_BASE_URL": upstream.url, "RAG_EMBEDDING_BATCH_SIZE": "8",
            "RAG_EMBEDDING_TIMEOUT": "1", "RAG_TOP_K": "2"}


@pytest.fixture
def ctx(app) -> Context:
    return Context(app.state.services)


DOCS = [
    Chunk("Parley stores vectors in its own database tables", {"file_id": "f1"}),
    Chunk("Weaviate is a vector database server for scale", {"file_id": "f1"}),
    Chunk("Cats sleep sixteen hours every day", {"file_id": "f2"}),
    Chunk("The zebra crossing is painted white", {"file_id": "f3"}),
]


async def test_added_chunks_are_found_by_vector_keyword_and_hybrid(ctx, upstream):
    ids = await add_chunks(ctx, "kb-a", DOCS[:3])
    await add_chunks(ctx, "kb-b", DOCS[3:])
    assert len(set(ids)) == 3
    found = await search_vectors(ctx, ["kb-a", "kb-b"], "vectors in database tables", k=2)
    assert found[0].text == DOCS[0].text and found[0].collection == "kb-a"
    assert 0.5 < found[1].score < found[0].score <= 1.0
    assert found[0].metadata["file_id"] == "f1"
    assert found[0].metadata["embedding_config"] == {"engine": "ollama", "model": MODEL}
    keyword = await search_keywords(ctx, ["kb-a", "kb-b"], "zebra", k=3)
    assert [c.text for c in keyword] == [DOCS[3].text]
    hybrid = await search_hybrid(ctx, ["kb-a", "kb-b"], "cats sleep", k=2)
    assert hybrid[0].text == DOCS[2].text and hybrid[0].score == pytest.approx(
        _cosine(bag_of_words("cats sleep"), bag_of_words(DOCS[2].text)), abs=1e-5)
    # RAG_TOP_K=2 is the default k; a missing collection holds nothing.
    assert len(await search(ctx, ["kb-a", "missing"], "database")) == 2


async def test_hybrid_weights_threshold_and_k_reranker(ctx, upstream):
    await add_chunks(ctx, "kb-a", DOCS)
    # Keyword only (weight 1): a chunk without the word is never a candidate.
    only_words = await search_hybrid(ctx, ["kb-a"], "zebra", k=4, bm25_weight=1.0,
                                     threshold=-1.0, k_reranker=4)
    assert [c.text for c in only_words] == [DOCS[3].text]
    # Vector only (weight 0) with a threshold that drops the unrelated chunks.
    near = await search_hybrid(ctx, ["kb-a"], "vector database", k=4, bm25_weight=0.0,
                               threshold=0.2, k_reranker=4)
    assert [(c.text, round(c.score, 3)) for c in near] == [(DOCS[1].text, 0.5),
                                                           (DOCS[0].text, 0.25)]
    assert len(await search_hybrid(ctx, ["kb-a"], "vector database", k=4, k_reranker=1,
                                   threshold=-1.0)) == 1
    with pytest.raises(Invalid):
        await search_hybrid(ctx, ["kb-a"], "x", k=2, bm25_weight=1.5)


async def test_duplicates_across_collections_are_kept_once(ctx, upstream):
    await add_chunks(ctx, "kb-a", DOCS[:1])
    await add_chunks(ctx, "kb-b", DOCS[:1])
    found = await search_vectors(ctx, ["kb-a", "kb-b"], "vectors", k=5)
    assert [c.text for c in found] == [DOCS[0].text]


async def test_a_failing_embedding_server_adds_nothing(ctx, upstream):
    await add_chunks(ctx, "kb-a", DOCS[:1])
    upstream.script(MODEL, dims=DIMS, status=503, error_message="overloaded")
    with pytest.raises(UpstreamFailed) as caught:
        await add_chunks(ctx, "kb-a", DOCS[1:])
    assert caught.value.status == 503 and "overloaded" in str(caught.value)
    upstream.script(MODEL, dims=DIMS, first_delay=1.5)
    with pytest.raises(UpstreamFailed) as caught:
        await search_vectors(ctx, ["kb-a"], "vectors", k=2)
    assert caught.value.status == 504
    upstream.script(MODEL, dims=DIMS)
    found = await search_keywords(ctx, ["kb-a"], "weaviate cats zebra parley", k=5)
    assert [c.text for c in found] == [DOCS[0].text]


async def test_a_model_of_another_dimension_is_a_clear_error(ctx, upstream):
    await add_chunks(ctx, "kb-a", DOCS[:2])
    upstream.script(MODEL, dims=32)
    with pytest.raises(UpstreamFailed, match="re-index") as caught:
        await search_vectors(ctx, ["kb-a"], "vectors", k=2)
    assert caught.value.reason == "embedding_dimension"
    with pytest.raises(UpstreamFailed, match="re-index"):
        await add_chunks(ctx, "kb-a", DOCS[2:])
    upstream.script(MODEL, dims=DIMS)
    assert len(await search_vectors(ctx, ["kb-a"], "vectors", k=5)) == 2


async def test_bad_input_is_invalid(ctx, upstream):
    await add_chunks(ctx, "kb-a", DOCS[:1])
    for call in (
        lambda: search_vectors(ctx, [], "q", k=2),
        lambda: search_vectors(ctx, "kb-a", "q", k=2),
        lambda: search_vectors(ctx, ["kb-a"], "   ", k=2),
        lambda: search_vectors(ctx, ["kb-a"], "q", k=0),
        lambda: search_vectors(ctx, ["bad name!"], "q", k=2),
        lambda: search_vectors(ctx, ["kb-a"], "q", k=2, filter={"a": {"$regex": "x"}}),
        lambda: add_chunks(ctx, "../etc", DOCS[:1]),
        lambda: add_chunks(ctx, "kb-a", [Chunk("x", {"v": float("nan")})]),
        lambda: embed_texts(ctx, "not a list"),
        lambda: delete_chunks(ctx, "kb-a"),
    ):
        with pytest.raises(Invalid):
            await call()
    assert len(await search_keywords(ctx, ["kb-a"], "parley", k=5)) == 1


async def test_delete_chunks_by_file(ctx, upstream):
    await add_chunks(ctx, "kb-a", DOCS)
    await delete_chunks(ctx, "kb-a", filter={"file_id": "f1"})
    found = await search_vectors(ctx, ["kb-a"], "vector database", k=5)
    assert {c.metadata["file_id"] for c in found} == {"f2", "f3"}
    assert await embed_texts(ctx, []) == []
    assert len(await embed_texts(ctx, ["a b", "c"])) == 2


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / ((sum(x * x for x in a) ** 0.5) * (sum(y * y for y in b) ** 0.5))
