"""A file's chunks as vectors: in its own collection `file-<id>` (Open WebUI's name), or
copied into another (a knowledge base's). Chunks are embedded in bounded windows and
written in one store write, so a search never finds a file half-indexed; a failure
leaves none of the file's chunks in the collection it was writing.

These functions check their input, not the caller: processing and
resolvers/files/collections.py decide who may index what.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from data.vectors import Item
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.retrieval.errors import store_errors

# Texts per embedding call: with a batch size of 1 and no concurrency limit, a 50 MB
# file's 50 000 chunks would otherwise be 50 000 requests in flight at once.
WINDOW = 256
# Vectors read back per statement when copying (below any driver's parameter limit).
READ_BATCH = 500
DUPLICATE = "Duplicate content detected. Please provide unique content to proceed."

ChunkPairs = Sequence[tuple[str, Mapping[str, Any]]]


def file_collection(file_id: str) -> str:
    return f"file-{file_id}"


def bypassed(ctx: Context) -> bool:
    """BYPASS_EMBEDDING_AND_RETRIEVAL: files keep their text and get no vectors."""
    return ctx.settings.vectors.retrieval.bypass_embedding


def embedding_config(ctx: Context) -> dict[str, str]:
    embedder = ctx.services.embedder
    return {"engine": embedder.engine, "model": embedder.model}


async def embed_chunks(ctx: Context, chunks: ChunkPairs) -> list[Item]:
    """One item per chunk, vectors kept as float32 arrays (a 384-dimension vector as a
    Python list costs eight times the memory), every window of the first's dimension."""
    import numpy as np  # on first use: start-up stays without numpy

    embedder, config = ctx.services.embedder, embedding_config(ctx)
    items: list[Item] = []
    dimension: int | None = None
    for start in range(0, len(chunks), WINDOW):
        window = chunks[start:start + WINDOW]
        with store_errors():
            vectors = await embedder.embed([text for text, _ in window], dimension=dimension)
        for (text, meta), vector in zip(window, vectors, strict=True):
            items.append(Item(str(uuid.uuid4()), text, np.asarray(vector, dtype=np.float32),
                              {**meta, "embedding_config": config}))
        dimension = dimension or (len(vectors[0]) if vectors else None)
    return items


async def check_duplicate(ctx: Context, collection: str, content_hash: str | None,
                          file_id: str) -> None:
    """Open WebUI's rule: a collection holding this content from another file refuses
    it again; the same file may be re-indexed."""
    if not content_hash:
        return
    with store_errors():
        found = await ctx.services.vectors.query(collection, {"hash": content_hash}, limit=1)
    if found is not None and found.ids and found.ids[0] \
            and found.metadatas[0][0].get("file_id") != file_id:
        raise Invalid(DUPLICATE, reason="duplicate_content")


async def write_file_items(ctx: Context, collection: str, file_id: str,
                           items: Sequence[Item], *, whole_collection: bool) -> None:
    """The file's earlier chunks in `collection` (or the whole collection) give way to
    these. The store writes each step as one transaction; the caller drops the file's
    chunks if a later step fails."""
    store = ctx.services.vectors
    with store_errors():
        if whole_collection:
            await store.delete_collection(collection)
        else:
            await store.delete(collection, filter={"file_id": file_id})
        if items:  # new ids, and the file's earlier ones are gone: nothing to replace
            await store.insert(collection, items)


async def index_file(ctx: Context, file_id: str, chunks: ChunkPairs,
                     content_hash: str) -> str | None:
    """Embed the chunks into `file-<id>`, replacing what it held; the collection's name,
    or None when embedding is bypassed."""
    if bypassed(ctx):
        return None
    collection = file_collection(file_id)
    await check_duplicate(ctx, collection, content_hash, file_id)
    items = await embed_chunks(ctx, chunks)  # before anything is deleted
    if not items:
        raise Invalid("The content provided is empty.", reason="empty_content")
    await write_file_items(ctx, collection, file_id, items, whole_collection=True)
    return collection


async def drop_file_vectors(ctx: Context, file_id: str,
                            collections: Sequence[str] = ()) -> None:
    """The file's collection, and its chunks in the other collections named (also
    when embedding is bypassed now: vectors made before must not outlive the file)."""
    with store_errors():
        await ctx.services.vectors.delete_collection(file_collection(file_id))
        for name in collections:
            await ctx.services.vectors.delete(name, filter={"file_id": file_id})


async def stored_items(ctx: Context, file_id: str) -> list[Item] | None:
    """The file's items in `file-<id>` with new ids, ready to copy into another
    collection; None when they are missing or made by another embedding model."""
    store, source = ctx.services.vectors, file_collection(file_id)
    with store_errors():
        found = await store.query(source, {"file_id": file_id})
        if found is None or not found.ids or not found.ids[0]:
            return None
        ids, config = found.ids[0], embedding_config(ctx)
        if any(m.get("embedding_config") != config for m in found.metadatas[0]):
            return None
        vectors: dict[str, list[float]] = {}
        for start in range(0, len(ids), READ_BATCH):
            vectors.update(await store.vectors(source, ids[start:start + READ_BATCH]))
    if len(vectors) != len(ids):
        return None
    return [Item(str(uuid.uuid4()), text, vectors[i], meta) for i, text, meta
            in zip(ids, found.documents[0], found.metadatas[0], strict=True)]
