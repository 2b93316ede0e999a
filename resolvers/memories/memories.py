"""Reading and writing the caller's memories. Another user's memory is answered exactly
like a missing one. Each write keeps the row and its vector in step (see the package
docstring): the embedding is made before anything is written, so an embedding upstream
that is down, slow or of another dimension leaves nothing behind."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from data.repos.memories import MemoryRepo
from data.tables import MemoryRow
from data.tables.base import now_s
from data.vectors import Item
from resolvers.context import Context
from resolvers.errors import DomainError, Invalid, NotFound
from resolvers.memories.rules import (
    check_content,
    check_path,
    check_read_only,
    check_type,
    collection_for,
    embedded_text,
    require_memories,
    vector_metadata,
    writing,
)
from resolvers.retrieval.chunks import Chunk, add_chunks, delete_chunks
from resolvers.retrieval.errors import store_errors

log = logging.getLogger("parley.memories")
MAX_PAGE = 100  # GraphQL pages


@dataclass(frozen=True)
class MemoryCreate:
    content: str
    type: str = "context"
    path: str | None = None


@dataclass(frozen=True)
class MemoryUpdate:
    """Fields left None keep their value; at least one must be given."""

    content: str | None = None
    type: str | None = None
    path: str | None = None


def _not_found() -> NotFound:
    return NotFound("No such memory.", reason="memory_not_found")


async def list_memories(ctx: Context, *, offset: int = 0,
                        limit: int | None = None) -> Sequence[MemoryRow]:
    """The caller's own memories, oldest first."""
    viewer = await require_memories(ctx)
    if offset < 0 or (limit is not None and not 0 < limit <= MAX_PAGE):
        raise Invalid(f"Pages hold 1 to {MAX_PAGE} memories from offset 0 on.",
                      reason="invalid_page")
    return await MemoryRepo(ctx.session).page_for_user(viewer.id, offset=offset, limit=limit)


async def count_memories(ctx: Context) -> int:
    viewer = await require_memories(ctx)
    return await MemoryRepo(ctx.session).count_for_user(viewer.id)


async def get_memory(ctx: Context, memory_id: str) -> MemoryRow:
    """One of the caller's memories."""
    viewer = await require_memories(ctx)
    row = await MemoryRepo(ctx.session).get_own(viewer.id, memory_id)
    if row is None:
        raise _not_found()
    return row


async def _index(ctx: Context, row: MemoryRow) -> None:
    """Embed the memory and put its vector (id = the memory's id) in the collection."""
    await add_chunks(ctx, collection_for(row.user_id),
                     [Chunk(embedded_text(row), vector_metadata(row), id=row.id)])


async def _unindex(ctx: Context, user_id: str, memory_ids: list[str]) -> None:
    """Best effort, after the rows are gone: a vector left behind is never answered
    (searches keep only ids with a row) and the next reset drops it."""
    try:
        await delete_chunks(ctx, collection_for(user_id), ids=memory_ids)
    except DomainError as error:
        log.warning("memory vectors left for the next reset: %s", error.message)


async def add_memory(ctx: Context, data: MemoryCreate) -> MemoryRow:
    """Add a memory for the caller: embedded, then its vector and row written."""
    check_read_only(ctx)
    viewer = await require_memories(ctx)
    now = now_s()
    row = MemoryRow(id=str(uuid.uuid4()), user_id=viewer.id, type=check_type(data.type),
                    path=check_path(data.path), content=check_content(data.content),
                    meta={"created_by": "manual"}, created_at=now, updated_at=now)
    await _index(ctx, row)
    try:
        async with writing(ctx) as session:
            await MemoryRepo(session).add(row)
    except BaseException:
        await _unindex(ctx, viewer.id, [row.id])
        raise
    return row


async def update_memory(ctx: Context, memory_id: str, changes: MemoryUpdate) -> MemoryRow:
    """Change one of the caller's memories; it is embedded again."""
    check_read_only(ctx)
    viewer = await require_memories(ctx)
    if changes.content is None and changes.type is None and changes.path is None:
        raise Invalid("Give the content, type or path to change.", reason="memory_unchanged")
    content = None if changes.content is None else check_content(changes.content)
    kind = None if changes.type is None else check_type(changes.type)
    path = None if changes.path is None else check_path(changes.path)
    old = await MemoryRepo(ctx.session).get_own(viewer.id, memory_id)
    if old is None:
        raise _not_found()
    collection = collection_for(viewer.id)
    with store_errors():
        before = await ctx.services.vectors.vectors(collection, [memory_id])
    new = MemoryRow(id=old.id, user_id=old.user_id, type=kind or old.type,
                    path=old.path if changes.path is None else path,
                    content=content or old.content, meta=old.meta,
                    created_at=old.created_at, updated_at=now_s())
    await _index(ctx, new)
    try:
        async with writing(ctx) as session:
            row = await MemoryRepo(session).get_own(viewer.id, memory_id)
            if row is not None:
                row.type, row.path, row.content = new.type, new.path, new.content
                row.updated_at = new.updated_at
    except BaseException:
        await _restore(ctx, old, before.get(memory_id))
        raise
    if row is None:  # deleted while it was being embedded: its new vector goes too
        await _unindex(ctx, viewer.id, [memory_id])
        raise _not_found()
    return row


async def _restore(ctx: Context, old: MemoryRow, vector: list[float] | None) -> None:
    """Put the memory's vector back as it was before a failed update."""
    if vector is None:
        await _unindex(ctx, old.user_id, [old.id])
        return
    with contextlib.suppress(DomainError), store_errors():
        await ctx.services.vectors.upsert(collection_for(old.user_id), [Item(
            old.id, embedded_text(old), vector, vector_metadata(old))])


async def delete_memory(ctx: Context, memory_id: str) -> bool:
    """Delete one of the caller's memories and its vector; False when there was none."""
    check_read_only(ctx)
    viewer = await require_memories(ctx)
    async with writing(ctx) as session:
        found = await MemoryRepo(session).delete_own(viewer.id, memory_id)
    if found:
        await _unindex(ctx, viewer.id, [memory_id])
    return found


async def delete_all_memories(ctx: Context) -> int:
    """Delete every memory of the caller and their collection; how many there were."""
    check_read_only(ctx)
    viewer = await require_memories(ctx)
    async with writing(ctx) as session:
        count = await MemoryRepo(session).delete_all_own(viewer.id)
    try:
        with store_errors():
            await ctx.services.vectors.delete_collection(collection_for(viewer.id))
    except DomainError as error:
        log.warning("memory collection left for the next reset: %s", error.message)
    return count
