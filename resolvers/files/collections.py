"""A file's chunks copied into a named collection: Open WebUI's process/file with
`collection_name`, how a file joins a knowledge base's collection. The vectors already
in `file-<id>` are copied (no upstream call) when they come from the current embedding
model; otherwise the stored chunks are embedded again.

Who may write where (rest-ai.md §8.2): a knowledge base's collection needs write access
to it; any other name is for administrators, except the file's own `file-<id>`;
`knowledge-bases` is nobody's.
"""

from __future__ import annotations

import dataclasses

from data.repos.files import FileChunkRepo, FileRepo
from data.tables import KnowledgeRow
from data.vectors.base import NAME
from resolvers.context import Context, Viewer
from resolvers.errors import DomainError, Forbidden, Invalid, NotFound
from resolvers.files.access import accessible_file
from resolvers.files.indexing import (
    bypassed,
    check_duplicate,
    drop_file_vectors,
    embed_chunks,
    file_collection,
    stored_items,
    write_file_items,
)
from resolvers.files.processing import (
    TERMINAL,
    Outcome,
    fail_file,
    follow_file_status,
    process_file_and_wait,
)
from resolvers.knowledge.access import accessible_knowledge
from resolvers.permissions import require_verified

SYSTEM_COLLECTION = "knowledge-bases"


def _forbidden(name: str) -> Forbidden:
    return Forbidden(f"You may not add files to the collection {name!r}.",
                     reason="collection_forbidden")


async def check_collection_write(ctx: Context, viewer: Viewer, name: str,
                                 file_id: str) -> None:
    """Invalid for a malformed name, Forbidden unless the viewer may write there."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise Invalid("A collection name is 1 to 255 letters, digits, '_' or '-'.",
                      reason="invalid_collection")
    if name == SYSTEM_COLLECTION:
        raise _forbidden(name)
    if name == file_collection(file_id):
        return
    if await ctx.session.get(KnowledgeRow, name) is not None:
        try:
            await accessible_knowledge(ctx, viewer, name, "write")
        except NotFound:
            raise _forbidden(name) from None
        return
    if viewer.role != "admin":
        raise _forbidden(name)


async def _completed(ctx: Context, file_id: str, content: str | None) -> Outcome:
    """The file once it is processed: waits for work under way, processes a file that
    never was or that failed (or whose text is replaced)."""
    async with ctx.unit_of_work():
        row = await FileRepo(ctx.session).get(file_id)
        status = (row.data or {}).get("status") if row is not None else None
    if content is None and status in ("pending", "processing"):
        async for event in follow_file_status(ctx, file_id):
            if event.get("status") in TERMINAL:
                break
        status = "completed"  # read below, whatever it became
    if content is not None or status != "completed":
        return await process_file_and_wait(ctx, file_id, content=content)
    async with ctx.unit_of_work():
        row = await accessible_file(ctx, await require_verified(ctx), file_id)
        return Outcome(row.filename, dict(row.data or {}))


async def _copy(ctx: Context, file_id: str, collection: str) -> None:
    async with ctx.unit_of_work():
        row = await FileRepo(ctx.session).get(file_id)
        content_hash = row.hash if row is not None else None
    items = await stored_items(ctx, file_id)
    if items is None:  # bypassed earlier, or another embedding model: embed again
        async with ctx.unit_of_work():
            rows = await FileChunkRepo(ctx.session).for_file(file_id)
            pairs = [(r.text, dict(r.meta or {})) for r in rows]
        items = await embed_chunks(ctx, pairs)
    await check_duplicate(ctx, collection, content_hash, file_id)
    await write_file_items(ctx, collection, file_id, items, whole_collection=False)


async def add_file_to_collection(ctx: Context, file_id: str, collection: str, *,
                                 content: str | None = None) -> Outcome:
    """Write access to the file and to the collection: the file processed if it is not
    (with `content`, that text replaces its own), then its chunks copied into
    `collection`, replacing the ones it had there. A failure marks the file failed
    with the reason (as Open WebUI does), none of its chunks left in either collection."""
    async with ctx.unit_of_work():
        viewer = await require_verified(ctx)
        await accessible_file(ctx, viewer, file_id, "write")
        await check_collection_write(ctx, viewer, collection, file_id)
    if collection == file_collection(file_id):
        return await process_file_and_wait(ctx, file_id, content=content)
    outcome = await _completed(ctx, file_id, content)
    if outcome.data.get("status") != "completed" or bypassed(ctx):
        return dataclasses.replace(outcome, collection=None)
    try:
        await _copy(ctx, file_id, collection)
    except DomainError as error:
        try:
            await drop_file_vectors(ctx, file_id, [collection])
        finally:
            await fail_file(ctx.services, file_id, str(error))
        data = {**outcome.data, "status": "failed", "error": str(error)}
        return Outcome(outcome.filename, data, None)
    return dataclasses.replace(outcome, collection=collection)
