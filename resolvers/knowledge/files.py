"""A knowledge base's files: listing them, and adding, re-embedding and removing them.

Adding needs write access to the knowledge base and read access to the file (another
user's file the caller may not read is refused as not found), and a processed file: its
chunks (resolvers.files.file_chunks) are embedded into the collection named by the
knowledge id, each with its `file_id`, then the file is linked. All or nothing: if
embedding fails nothing is linked and no chunk stays; if linking fails the chunks just
written are removed. These commit on their own (resolvers/knowledge/rules.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from data.repos.files import FileRepo
from data.repos.knowledge import KnowledgeRepo, LinkedFile
from data.repos.users import UserRepo
from data.tables import FileRow, KnowledgeRow, UserRow
from data.tables.base import now_s
from resolvers import files
from resolvers.context import Context, Viewer
from resolvers.errors import Conflict, DomainError, Invalid, NotFound
from resolvers.files.access import may_access
from resolvers.knowledge.rules import (
    KnowledgeBase,
    check_read_only,
    knowledge_for,
    not_found,
    plain_id,
    view,
    writing,
)
from resolvers.permissions import require_verified
from resolvers.retrieval.chunks import Chunk, add_chunks, delete_chunks
from resolvers.retrieval.errors import store_errors

log = logging.getLogger("parley.knowledge")
MAX_BATCH = 100
MAX_PAGE = 100
PAGE = 30


@dataclass(frozen=True)
class KnowledgeFiles:
    files: list[LinkedFile]
    total: int
    owners: dict[str, UserRow]


async def list_knowledge_files(ctx: Context, knowledge_id: str, *, query: str | None = None,
                               page: int = 1, limit: int | None = None) -> KnowledgeFiles:
    """Readers of the knowledge base: its files, most recently added first, a 1-based
    `page` of PAGE; administrators may choose another `limit` (as Open WebUI's)."""
    viewer = await require_verified(ctx)
    size = limit if limit is not None and viewer.role == "admin" else PAGE
    if page < 1 or not 1 <= size <= MAX_PAGE:
        raise Invalid(f"Pages hold 1 to {MAX_PAGE} files, from page 1 on.",
                      reason="invalid_page")
    await knowledge_for(ctx, viewer, knowledge_id)
    repo = KnowledgeRepo(ctx.session)
    total = await repo.files_count(knowledge_id, search=query)
    offset = (page - 1) * size
    found = await repo.files_page(knowledge_id, search=query, offset=offset, limit=size) \
        if offset < total else []
    owners = await UserRepo(ctx.session).by_ids(list({f.file.user_id for f in found}))
    return KnowledgeFiles(found, total, {user.id: user for user in owners})


async def _readable_file(ctx: Context, viewer: Viewer, file_id: str) -> FileRow:
    row = await FileRepo(ctx.session).get(file_id) if plain_id(file_id) else None
    if row is None:
        raise NotFound(f"No file {file_id!r}.", reason="knowledge_file_missing",
                       field="file_id")
    if not await may_access(ctx, viewer, row, "read"):
        # Told apart from a missing file only by the REST dialect (Open WebUI's 403).
        raise NotFound(f"No file {file_id!r} that you may read.",
                       reason="knowledge_file_denied", field="file_id")
    return row


async def _chunks(ctx: Context, row: FileRow) -> list[Chunk]:
    data = row.data if isinstance(row.data, dict) else {}
    chunks = [] if data.get("status") != "completed" else [
        Chunk(chunk.text, {**(chunk.meta or {}), "file_id": row.id})
        async for chunk in files.file_chunks(ctx, row.id)]
    if not chunks:
        raise Invalid("The file has not been processed yet: wait until its status is "
                      "completed.", reason="file_not_processed", field="file_id")
    return chunks


async def _writable(ctx: Context, knowledge_id: str) -> tuple[Viewer, KnowledgeRow]:
    check_read_only(ctx)
    viewer = await require_verified(ctx)
    return viewer, await writable_knowledge(ctx, knowledge_id)


async def writable_knowledge(ctx: Context, knowledge_id: str) -> KnowledgeRow:
    """The knowledge base if the caller may add files to it (else not found, or Invalid
    for an external one): a check only, so it may run inside another write (an upload
    checks the knowledge base it will join before storing anything)."""
    row = await knowledge_for(ctx, await require_verified(ctx), knowledge_id, "write")
    if isinstance(row.meta, dict) and row.meta.get("source") == "external":
        raise Invalid("An external knowledge base is read-only.",
                      reason="knowledge_external")
    return row


async def _drop(ctx: Context, knowledge_id: str, chunk_ids: list[str]) -> None:
    try:
        await delete_chunks(ctx, knowledge_id, ids=chunk_ids)
    except DomainError as error:  # unreachable without the link; a reset drops them
        log.warning("chunks left in %s: %s", knowledge_id, error.message)


async def add_files(ctx: Context, knowledge_id: str, file_ids: Sequence[str], *,
                    directory_id: str | None = None) -> KnowledgeBase:
    """Writers of the knowledge base: embed these processed files into it and link them,
    all of them or none."""
    viewer, _ = await _writable(ctx, knowledge_id)
    wanted = list(dict.fromkeys(file_ids))
    if not wanted or len(wanted) > MAX_BATCH:
        raise Invalid(f"Name 1 to {MAX_BATCH} files.", reason="invalid_knowledge",
                      field="file_id")
    rows = [await _readable_file(ctx, viewer, file_id) for file_id in wanted]
    if await KnowledgeRepo(ctx.session).linked_ids(knowledge_id, wanted):
        raise Conflict("The file is already in this knowledge base.",
                       reason="knowledge_file_exists", field="file_id")
    chunks = [chunk for row in rows for chunk in await _chunks(ctx, row)]
    chunk_ids = await add_chunks(ctx, knowledge_id, chunks)
    try:
        async with writing(ctx) as side:
            repo = KnowledgeRepo(side.session)
            knowledge = await repo.get(knowledge_id)
            if knowledge is None:  # deleted while the files were embedded
                raise not_found(knowledge_id)
            try:
                for row in rows:
                    await repo.link(knowledge_id, row.id, viewer.id, directory_id)
            except IntegrityError:  # added by a request beside this one
                raise Conflict("The file is already in this knowledge base.",
                               reason="knowledge_file_exists", field="file_id") from None
            knowledge.updated_at = now_s()
            return await view(side, viewer, knowledge, with_files=True)
    except BaseException:
        await _drop(ctx, knowledge_id, chunk_ids)
        raise


async def add_file(ctx: Context, knowledge_id: str, file_id: str, *,
                   directory_id: str | None = None) -> KnowledgeBase:
    return await add_files(ctx, knowledge_id, [file_id], directory_id=directory_id)


async def _linked(ctx: Context, knowledge_id: str, file_id: str) -> None:
    if not plain_id(file_id) or not await KnowledgeRepo(ctx.session).linked_ids(
            knowledge_id, [file_id]):
        raise NotFound(f"The file {file_id!r} is not in this knowledge base.",
                       reason="knowledge_file_missing", field="file_id")


async def update_file(ctx: Context, knowledge_id: str, file_id: str) -> KnowledgeBase:
    """Writers: embed a linked file again (after its text changed). The new chunks are
    written before the old ones go, so a failure leaves the old ones searchable."""
    viewer, _ = await _writable(ctx, knowledge_id)
    await _linked(ctx, knowledge_id, file_id)
    row = await _readable_file(ctx, viewer, file_id)
    chunks = await _chunks(ctx, row)
    with store_errors():
        old = await ctx.services.vectors.query(knowledge_id, {"file_id": file_id})
    new_ids = await add_chunks(ctx, knowledge_id, chunks)
    stale = [i for i in (old.ids[0] if old and old.ids else []) if i not in set(new_ids)]
    try:
        if stale:
            await delete_chunks(ctx, knowledge_id, ids=stale)
    except BaseException:  # keep one set of chunks for the file: the old one
        await _drop(ctx, knowledge_id, new_ids)
        raise
    async with writing(ctx) as side:
        knowledge = await KnowledgeRepo(side.session).get(knowledge_id)
        if knowledge is None:
            raise not_found(knowledge_id)
        knowledge.updated_at = now_s()
        return await view(side, viewer, knowledge, with_files=True)


async def remove_file(ctx: Context, knowledge_id: str, file_id: str, *,
                      delete_file: bool = True) -> KnowledgeBase:
    """Writers: take a file out (its chunks first, then its link). With `delete_file`,
    as Open WebUI's default, a file the caller owns (or any, for administrators) is
    deleted too, its chunks leaving every knowledge base that held it."""
    viewer, _ = await _writable(ctx, knowledge_id)
    await _linked(ctx, knowledge_id, file_id)
    row = await FileRepo(ctx.session).get(file_id)
    deleting = delete_file and row is not None and (
        viewer.role == "admin" or row.user_id == viewer.id)
    holders = await KnowledgeRepo(ctx.session).knowledge_ids_of_file(file_id) \
        if deleting else [knowledge_id]
    for holder in dict.fromkeys([knowledge_id, *holders]):
        await delete_chunks(ctx, holder, filter={"file_id": file_id})
    async with writing(ctx) as side:
        repo = KnowledgeRepo(side.session)
        knowledge = await repo.get(knowledge_id)
        if knowledge is None:
            raise not_found(knowledge_id)
        await repo.unlink(knowledge_id, [file_id])
        if deleting:
            await files.delete_file(side, file_id)
        knowledge.updated_at = now_s()
        return await view(side, viewer, knowledge, with_files=True)
