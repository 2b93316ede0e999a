"""Embedding texts and writing chunks into a collection."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from data.vectors import Item
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.retrieval.errors import store_errors

MAX_TEXTS = 100_000


@dataclass(frozen=True)
class Chunk:
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    id: str = ""  # empty: a new uuid4, as Open WebUI gives every chunk


def _texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise Invalid("texts must be a list of strings.", reason="invalid_retrieval")
    if len(texts) > MAX_TEXTS:
        raise Invalid(f"At most {MAX_TEXTS} texts at once.", reason="invalid_retrieval")
    return list(texts)


async def embed_texts(ctx: Context, texts: Sequence[str]) -> list[list[float]]:
    """One vector per text from the configured engine; an engine that is down, slow or
    answers badly is an UpstreamFailed (502/504) or Unavailable (503)."""
    texts = _texts(texts)
    if not texts:
        return []
    with store_errors():
        return await ctx.services.embedder.embed(texts)


async def add_chunks(ctx: Context, collection: str, chunks: Sequence[Chunk], *,
                     replace: bool = True) -> list[str]:
    """Embed and store chunks in `collection` (made on first use); their ids. All or
    nothing: if embedding or writing fails, the collection is as it was. `replace`
    overwrites chunks of the same ids; otherwise a known id is an error. Each chunk's
    metadata gains Open WebUI's `embedding_config`."""
    texts = _texts([c.text for c in chunks])
    if not texts:
        return []
    embedder = ctx.services.embedder
    with store_errors():
        vectors = await embedder.embed(texts)
        # Read after embedding: the engine follows runtime config and may just have changed.
        config = {"engine": embedder.engine, "model": embedder.model}
        items = [Item(c.id or str(uuid.uuid4()), c.text, v,
                      {**c.metadata, "embedding_config": config})
                 for c, v in zip(chunks, vectors, strict=True)]
        store = ctx.services.vectors
        await (store.upsert(collection, items) if replace else store.insert(collection, items))
    return [item.id for item in items]


async def delete_chunks(ctx: Context, collection: str, *, ids: Sequence[str] | None = None,
                        filter: Mapping[str, Any] | None = None) -> None:
    """Remove chunks by id or metadata filter (e.g. `{"file_id": ...}`)."""
    with store_errors():
        await ctx.services.vectors.delete(collection, ids=ids, filter=filter)


async def delete_collection(ctx: Context, collection: str) -> None:
    with store_errors():
        await ctx.services.vectors.delete_collection(collection)
