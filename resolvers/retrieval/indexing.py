"""Putting text into collections and taking it out, for the retrieval routes: index a
text (Open WebUI's `process/text`), index processed files into a collection
(`process/files/batch`), delete a file's chunks from a collection, wipe the store.

Writes are all or nothing: chunks are embedded before anything is stored, and a file
indexed again gets its new chunks before its old ones are dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from data.repos.files import FileRepo
from resolvers.context import Context
from resolvers.errors import DomainError, Invalid
from resolvers.files import file_chunks
from resolvers.permissions import require_admin, require_verified
from resolvers.retrieval.access import readable_collections
from resolvers.retrieval.chunks import Chunk, add_chunks, delete_chunks
from resolvers.retrieval.errors import store_errors

MAX_TEXT = 10_000_000
MAX_FILES = 1000


@dataclass(frozen=True)
class Indexed:
    collection: str
    ids: list[str]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _checked_text(name: str, content: str) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 1000 or "\x00" in name:
        raise Invalid("name is text of 1 to 1000 characters.", reason="invalid_retrieval",
                      field="name")
    if not isinstance(content, str) or not content.strip() or len(content) > MAX_TEXT \
            or "\x00" in content:
        raise Invalid(f"content is text of 1 to {MAX_TEXT} characters, without NUL.",
                      reason="invalid_retrieval", field="content")


def _split(ctx: Context, text: str) -> list[tuple[str, int]]:
    from data.extract.chunks import split_text  # the splitter loads on first use

    files = ctx.settings.files
    size, overlap = (files.chunk_size, files.chunk_overlap) if files else (1000, 100)
    split = split_text(text, chunk_size=size, chunk_overlap=overlap,
                       markdown_headers=files.markdown_header_split if files else True)
    return [(chunk.text, chunk.start_index) for chunk in split]


async def process_text(ctx: Context, name: str, content: str,
                       collection: str | None = None, *, add: bool = False) -> Indexed:
    """Verified users. Chunk, embed and store a text. Without a collection it goes to the
    one named by the text's sha256 (creating it is unchecked, reading it is not); a
    named collection needs write access. An existing collection is left as it is unless
    `add` (Open WebUI re-embeds nothing then)."""
    viewer = await require_verified(ctx)
    _checked_text(name, content)
    digest = content_hash(content)
    if collection is None:
        collection = digest
    else:
        collection = (await readable_collections(ctx, viewer, [collection], "write"))[0]
    if not add:
        with store_errors():
            if await ctx.services.vectors.has_collection(collection):
                return Indexed(collection, [])
    meta = {"name": name, "source": name, "created_by": viewer.id, "hash": digest}
    chunks = [Chunk(text, {**meta, "start_index": start}) for text, start in _split(ctx, content)]
    return Indexed(collection, await add_chunks(ctx, collection, chunks))


@dataclass(frozen=True)
class FileOutcome:
    file_id: str
    error: str | None = None  # None: indexed


async def _chunks_of(ctx: Context, file_id: str) -> list[Chunk]:
    found = [Chunk(row.text, dict(row.meta or {})) async for row in file_chunks(ctx, file_id)]
    if not found:
        raise Invalid("The file has no processed text yet; process it first.",
                      reason="file_not_processed")
    return found


async def _old_ids(ctx: Context, collection: str, file_ids: Sequence[str]) -> list[str]:
    with store_errors():
        found = await ctx.services.vectors.query(collection, {"file_id": {"$in": list(file_ids)}})
    return list(found.ids[0]) if found is not None and found.ids else []


async def index_files(ctx: Context, collection: str, file_ids: Sequence[str]
                      ) -> list[FileOutcome]:
    """Verified users with write access to the collection: index the processed chunks of
    each file they may read into it (again, for a file already there). A file that is
    missing, unreadable or unprocessed is reported, the others indexed; a failing
    embedding engine or store fails the whole call and writes nothing."""
    viewer = await require_verified(ctx)
    if isinstance(file_ids, str) or not file_ids or len(file_ids) > MAX_FILES:
        raise Invalid(f"Name 1 to {MAX_FILES} files.", reason="invalid_retrieval")
    collection = (await readable_collections(ctx, viewer, [collection], "write"))[0]
    outcomes, chunks, indexed = [], [], []
    for file_id in dict.fromkeys(file_ids):
        try:
            chunks += await _chunks_of(ctx, file_id)
            indexed.append(file_id)
            outcomes.append(FileOutcome(file_id))
        except DomainError as error:
            outcomes.append(FileOutcome(file_id, error.message))
    if indexed:
        stale = await _old_ids(ctx, collection, indexed)
        await add_chunks(ctx, collection, chunks)
        if stale:
            await delete_chunks(ctx, collection, ids=stale)
    return outcomes


async def delete_file_from_collection(ctx: Context, collection: str, file_id: str) -> bool:
    """Administrators: drop the chunks whose `hash` is the file's (Open WebUI's
    `/retrieval/delete`); false when the file is unknown or has no hash."""
    viewer = await require_admin(ctx)
    collection = (await readable_collections(ctx, viewer, [collection], "write"))[0]
    row = await FileRepo(ctx.session).get(file_id) if isinstance(file_id, str) else None
    if row is None or not row.hash:
        return False
    await delete_chunks(ctx, collection, filter={"hash": row.hash})
    return True


async def reset_vectors(ctx: Context) -> None:
    """Administrators: every collection of the vector store is dropped."""
    await require_admin(ctx)
    with store_errors():
        await ctx.services.vectors.reset()
