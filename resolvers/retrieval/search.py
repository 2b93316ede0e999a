"""Searching collections: by vector (the query embedded), by keyword (the database's
full-text engine, or Weaviate's BM25), or hybrid (Open WebUI's fusion of the two, then
a cosine rescoring with the relevance threshold). Results from several collections are
merged, duplicates by content kept once with their best score, best first.

Scores: vector search gives (1 + cosine) / 2 as Open WebUI's stores report it; hybrid
gives the cosine itself (Open WebUI's reranking step without a reranker model), or the
external reranker's relevance_score with RAG_RERANKING_ENGINE=external, which is what
RAG_RELEVANCE_THRESHOLD is compared with; keyword search gives the full-text
engine's own score, comparable only within one collection.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from data.reranking import ExternalReranker, RerankSettings
from data.vectors.fusion import cosines, weighted_rrf
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.retrieval.errors import store_errors
from resolvers.retrieval.settings import search_settings

MAX_COLLECTIONS = 100
MAX_QUERY = 100_000


@dataclass(frozen=True)
class RetrievedChunk:
    id: str
    text: str
    score: float
    collection: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


def _check(collections: Sequence[str], query: str, k: int) -> list[str]:
    if isinstance(collections, str) or not collections \
            or len(collections) > MAX_COLLECTIONS:
        raise Invalid(f"Name 1 to {MAX_COLLECTIONS} collections.", reason="invalid_retrieval")
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY:
        raise Invalid(f"The query is text of 1 to {MAX_QUERY} characters.",
                      reason="invalid_retrieval")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 10_000:
        raise Invalid("k must be a whole number from 1 to 10000.", reason="invalid_retrieval")
    return list(dict.fromkeys(collections))


def merged(found: Sequence[RetrievedChunk], k: int) -> list[RetrievedChunk]:
    """Best first, one per distinct text (its best score), at most k."""
    best: dict[str, RetrievedChunk] = {}
    for chunk in found:
        key = hashlib.sha256(chunk.text.encode()).hexdigest()
        if key not in best or chunk.score > best[key].score:
            best[key] = chunk
    return sorted(best.values(), key=lambda c: -c.score)[:k]


def _chunks(result: Any, collection: str) -> list[RetrievedChunk]:
    if result is None or not result.ids:
        return []
    return [RetrievedChunk(i, t, s, collection, m) for i, t, m, s in zip(
        result.ids[0], result.documents[0], result.metadatas[0], result.distances[0],
        strict=True)]


async def query_vector(ctx: Context, query: str) -> list[float]:
    """The query's embedding, for a caller searching several times with one query (pass
    it as `vector=`, so the query is embedded once)."""
    with store_errors():
        return (await ctx.services.embedder.embed([query]))[0]


async def _vector_for(ctx: Context, query: str, vector: Sequence[float] | None
                      ) -> list[float]:
    return await query_vector(ctx, query) if vector is None else list(vector)


async def search_vectors(ctx: Context, collections: Sequence[str], query: str, *, k: int,
                         filter: Mapping[str, Any] | None = None,
                         vector: Sequence[float] | None = None) -> list[RetrievedChunk]:
    """The k chunks nearest the query's embedding (or `vector`, the query's embedding
    already made) over these collections (missing collections hold nothing)."""
    names = _check(collections, query, k)
    vector = await _vector_for(ctx, query, vector)
    with store_errors():
        found = []
        for name in names:
            result = await ctx.services.vectors.search(name, [vector], limit=k, filter=filter)
            found += _chunks(result, name)
    return merged(found, k)


async def search_keywords(ctx: Context, collections: Sequence[str], query: str, *, k: int,
                          filter: Mapping[str, Any] | None = None) -> list[RetrievedChunk]:
    """The k chunks best matching the query's words; no embedding is made."""
    names = _check(collections, query, k)
    found = []
    with store_errors():
        for name in names:
            result = await ctx.services.vectors.keyword_search(name, query, limit=k,
                                                               filter=filter)
            found += _chunks(result, name)
    return merged(found, k)


async def search_hybrid(ctx: Context, collections: Sequence[str], query: str, *, k: int,
                        k_reranker: int | None = None, threshold: float | None = None,
                        bm25_weight: float | None = None,
                        filter: Mapping[str, Any] | None = None,
                        vector: Sequence[float] | None = None) -> list[RetrievedChunk]:
    """Open WebUI's hybrid search per collection (defaults RAG_TOP_K_RERANKER,
    RAG_RELEVANCE_THRESHOLD, RAG_HYBRID_BM25_WEIGHT), merged: scores are cosines.
    `vector`: the query's embedding when the caller has it already."""
    names = _check(collections, query, k)
    defaults = await search_settings(ctx)
    k_reranker = defaults.top_k_reranker if k_reranker is None else k_reranker
    threshold = defaults.relevance_threshold if threshold is None else threshold
    weight = defaults.bm25_weight if bm25_weight is None else bm25_weight
    if not 0.0 <= weight <= 1.0:
        raise Invalid("The BM25 weight is from 0 to 1.", reason="invalid_retrieval")
    if isinstance(k_reranker, bool) or not isinstance(k_reranker, int) or k_reranker < 1:
        raise Invalid("k_reranker must be a whole number from 1.", reason="invalid_retrieval")
    keep = min(k, k_reranker)
    found = []
    vector = await _vector_for(ctx, query, vector)
    with store_errors():
        for name in names:
            found += await _hybrid_one(ctx, name, query, vector, k, keep, threshold, weight,
                                       filter, defaults.reranker)
    return merged(found, keep)


async def _hybrid_one(ctx: Context, name: str, query: str, vector: list[float], k: int,
                      keep: int, threshold: float, weight: float,
                      filter: Mapping[str, Any] | None, reranking: RerankSettings
                      ) -> list[RetrievedChunk]:
    store = ctx.services.vectors
    rankings: list[list[RetrievedChunk]] = []
    weights: list[float] = []
    if weight > 0:
        rankings.append(_chunks(await store.keyword_search(name, query, limit=k,
                                                           filter=filter), name))
        weights.append(weight)
    if weight < 1:
        rankings.append(_chunks(await store.search(name, [vector], limit=k, filter=filter),
                                name))
        weights.append(1 - weight)
    by_text = {c.text: c for ranking in rankings for c in ranking}
    fused = weighted_rrf([[c.text for c in ranking] for ranking in rankings], weights)
    candidates = [by_text[text] for text, _ in fused]
    rescored = [RetrievedChunk(c.id, c.text, s, name, c.metadata)
                for c, s in await _relevance(ctx, name, query, vector, candidates,
                                             reranking)
                if s >= threshold]
    return sorted(rescored, key=lambda c: -c.score)[:keep]


async def _relevance(ctx: Context, name: str, query: str, vector: list[float],
                     candidates: list[RetrievedChunk], reranking: RerankSettings
                     ) -> list[tuple[RetrievedChunk, float]]:
    """Open WebUI's rerank step: the external reranker's scores when one is configured
    (RAG_RERANKING_ENGINE=external), else the cosine of each candidate with the query."""
    if reranking.external and candidates:
        scores = await ExternalReranker(ctx.services.llm, reranking).scores(
            query, [c.text for c in candidates])
        return [(c, s) for c, s in zip(candidates, scores, strict=True) if s is not None]
    stored = await ctx.services.vectors.vectors(name, [c.id for c in candidates])
    kept = [c for c in candidates if c.id in stored]
    return list(zip(kept, cosines(vector, [stored[c.id] for c in kept]), strict=True))


async def search(ctx: Context, collections: Sequence[str], query: str, *,
                 k: int | None = None, hybrid: bool | None = None,
                 filter: Mapping[str, Any] | None = None,
                 vector: Sequence[float] | None = None) -> list[RetrievedChunk]:
    """Retrieval as configured: hybrid when asked (default ENABLE_RAG_HYBRID_SEARCH),
    else by vector; k defaults to RAG_TOP_K; `vector` as for search_vectors."""
    defaults = await search_settings(ctx)
    k = defaults.top_k if k is None else k
    if defaults.hybrid if hybrid is None else hybrid:
        return await search_hybrid(ctx, collections, query, k=k, filter=filter,
                                   vector=vector)
    return await search_vectors(ctx, collections, query, k=k, filter=filter, vector=vector)
