"""Searching the caller's memories by meaning, and rebuilding their collection."""

from __future__ import annotations

from dataclasses import dataclass

from data.repos.memories import MemoryRepo
from data.tables import MemoryRow
from data.vectors import Item
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.memories.rules import (
    MAX_CONTENT,
    check_read_only,
    collection_for,
    embedded_text,
    require_memories,
    vector_metadata,
)
from resolvers.retrieval.chunks import embed_texts
from resolvers.retrieval.errors import store_errors
from resolvers.retrieval.search import search_vectors
from resolvers.retrieval.settings import search_settings

MAX_K = 100


@dataclass(frozen=True)
class FoundMemory:
    row: MemoryRow
    score: float  # (1 + cosine) / 2, as Open WebUI's stores report it; higher is nearer


async def query_memories(ctx: Context, query: str, *, k: int | None = None
                         ) -> list[FoundMemory]:
    """The caller's k memories nearest `query` in meaning (k defaults to RAG_TOP_K, at
    most MAX_K), best first, none below RAG_RELEVANCE_THRESHOLD, both as the runtime
    config has them now. NotFound when the caller has no memories (Open WebUI's 404).
    Only the caller's collection is searched, and only memories that still have a row
    are answered."""
    viewer = await require_memories(ctx)
    defaults = await search_settings(ctx)
    k = min(defaults.top_k, MAX_K) if k is None else k
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_CONTENT:
        raise Invalid(f"The query is text of 1 to {MAX_CONTENT} characters.",
                      reason="memory_query", field="content")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise Invalid(f"k is a whole number from 1 to {MAX_K}.", reason="memory_query",
                      field="k")
    repo = MemoryRepo(ctx.session)
    if not await repo.count_for_user(viewer.id):
        raise NotFound("You have no memories yet.", reason="memories_empty")
    found = await search_vectors(ctx, [collection_for(viewer.id)], query, k=k)
    rows = await repo.many_own(viewer.id, [chunk.id for chunk in found])
    return [FoundMemory(rows[chunk.id], chunk.score) for chunk in found
            if chunk.id in rows and chunk.score >= defaults.relevance_threshold]


async def reset_memories(ctx: Context) -> int:
    """Embed every memory of the caller again into a fresh collection (after the
    embedding model changed, or to drop stray vectors); how many were embedded. The
    embeddings are made first: if that fails, the old collection stays as it was."""
    check_read_only(ctx)
    viewer = await require_memories(ctx)
    rows = await MemoryRepo(ctx.session).page_for_user(viewer.id)
    vectors = await embed_texts(ctx, [embedded_text(row) for row in rows])
    collection = collection_for(viewer.id)
    embedder = ctx.services.embedder
    config = {"engine": embedder.engine, "model": embedder.model}
    with store_errors():
        await ctx.services.vectors.delete_collection(collection)
        if rows:
            await ctx.services.vectors.upsert(collection, [
                Item(row.id, embedded_text(row), vector,
                     {**vector_metadata(row), "embedding_config": config})
                for row, vector in zip(rows, vectors, strict=True)])
    return len(rows)
