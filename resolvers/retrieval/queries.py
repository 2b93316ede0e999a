"""Searching the collections a caller may read: by collection name (Open WebUI's
`query/doc` and `query/collection`), or by knowledge base and file ids (GraphQL
`retrieve`, `/api/rag/query`), where an id the caller may not read is answered as if
it did not exist.

Hybrid search runs only when the administrators enabled it (`rag.enable_hybrid_search`);
a caller may ask for it, or opt out, but not turn it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.files.access import file_not_found
from resolvers.knowledge.access import knowledge_not_found, readable_knowledge_ids
from resolvers.permissions import require_verified
from resolvers.retrieval.access import NAME, denied_collections, readable_collections
from resolvers.retrieval.search import RetrievedChunk, search_hybrid, search_vectors
from resolvers.retrieval.settings import search_settings

MAX_IDS = 100


@dataclass(frozen=True)
class QueryOptions:
    """Open WebUI's query form; None takes the configured default."""

    k: int | None = None
    k_reranker: int | None = None
    relevance_threshold: float | None = None
    hybrid: bool | None = None
    bm25_weight: float | None = None


@dataclass(frozen=True)
class Retrieved:
    chunks: list[RetrievedChunk]
    hybrid: bool  # the answer's shape differs: hybrid results carry no ids


def _number(value: float | None, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or value != value):
        raise Invalid(f"{name} must be a number.", reason="invalid_retrieval", field=name)


async def _search(ctx: Context, names: list[str], query: str,
                  options: QueryOptions) -> Retrieved:
    if isinstance(query, str) and "\x00" in query:  # no full-text engine takes a NUL
        raise Invalid("The query may not contain NUL characters.",
                      reason="invalid_retrieval", field="query")
    defaults = await search_settings(ctx)
    k = defaults.top_k if options.k is None else options.k
    _number(options.relevance_threshold, "r")
    _number(options.bm25_weight, "hybrid_bm25_weight")
    hybrid = defaults.hybrid and options.hybrid is not False
    if hybrid:
        found = await search_hybrid(
            ctx, names, query, k=k, k_reranker=options.k_reranker,
            threshold=options.relevance_threshold, bm25_weight=options.bm25_weight)
    else:
        found = await search_vectors(ctx, names, query, k=k)
    return Retrieved(found, hybrid)


async def query_collections(ctx: Context, names: Sequence[str], query: str,
                            options: QueryOptions = QueryOptions()) -> Retrieved:
    """Verified users with read access to every collection named (400 for a bad name,
    403 for one denied): the best chunks across them, best first."""
    viewer = await require_verified(ctx)
    readable = await readable_collections(ctx, viewer, names, "read")
    return await _search(ctx, readable, query, options)


def _ids(ids: Sequence[str] | None, what: str) -> list[str]:
    if ids is None:
        return []
    if isinstance(ids, str) or len(ids) > MAX_IDS \
            or not all(isinstance(i, str) for i in ids):
        raise Invalid(f"{what} is a list of at most {MAX_IDS} ids.",
                      reason="invalid_retrieval")
    return list(dict.fromkeys(ids))


async def retrieve(ctx: Context, query: str, *, knowledge_ids: Sequence[str] | None = None,
                   file_ids: Sequence[str] | None = None,
                   collection_names: Sequence[str] | None = None,
                   options: QueryOptions = QueryOptions()) -> Retrieved:
    """Verified users: the best chunks of these knowledge bases, files and collections.
    A knowledge base or file the caller may not read is NOT_FOUND, like a missing one;
    a collection name is checked as by query_collections."""
    viewer = await require_verified(ctx)
    kb_ids = _ids(knowledge_ids, "knowledgeBaseIds")
    files = _ids(file_ids, "fileIds")
    names = _ids(collection_names, "collection_names")
    for kb_id in kb_ids:
        if not NAME.fullmatch(kb_id):
            raise knowledge_not_found(kb_id)
    for file_id in files:
        if not NAME.fullmatch(f"file-{file_id}"):
            raise file_not_found(file_id)
    if not kb_ids and not files and not names:
        raise Invalid("Name at least one knowledge base, file or collection.",
                      reason="invalid_retrieval")
    owned = [*kb_ids, *(f"file-{i}" for i in files)]
    denied = set(await denied_collections(ctx, viewer, owned)) if owned else set()
    readable = await readable_knowledge_ids(ctx, viewer, kb_ids)
    for kb_id in kb_ids:
        if kb_id not in readable or kb_id in denied:
            raise knowledge_not_found(kb_id)
    for file_id in files:
        if f"file-{file_id}" in denied:
            raise file_not_found(file_id)
    if names:
        names = await readable_collections(ctx, viewer, names, "read")
    return await _search(ctx, list(dict.fromkeys([*owned, *names])), query, options)
