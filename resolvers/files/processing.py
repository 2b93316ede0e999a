"""A file's processing: text extraction (or text the caller gave), Open WebUI's
chunking, then embedding into the file's collection `file-<id>` (resolvers/files/
indexing.py), as background work with its status in `data.status` (pending ->
processing -> completed | failed, with `data.error`) published on the file's channel.
A file is `completed` only once its vectors are written; a failed one keeps no chunks
and no vectors.

Extraction and chunking run in a worker thread, one file at a time per process, so
uploads and chats stay responsive while a large document is cut up.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.extract.text import ExtractionFailed, extract_text
from data.file_settings import FileSettings
from data.pubsub import file_channel
from data.repos.files import FileChunkRepo, FileRepo
from data.tables import FileChunkRow, FileRow
from data.tables.base import now_s
from data.uploads import Uploads
from resolvers.context import Context, Services
from resolvers.errors import DomainError
from resolvers.files import knowledge_upload
from resolvers.files.access import accessible_file
from resolvers.files.indexing import bypassed, drop_file_vectors, file_collection, index_file
from resolvers.permissions import require_verified

log = logging.getLogger("parley.files")
TERMINAL = ("completed", "failed")
INTERRUPTED = "The server stopped while processing this file; process it again."
UNEXPECTED = "Processing failed unexpectedly; process it again, or report it."
EMPTY_CONTENT = ("The content provided is empty. Please ensure that there is text or data "
                 "present before proceeding.")
# One file at a time per event loop (the process's, or each test's).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
    weakref.WeakKeyDictionary()


def text_hash(text: str) -> str:
    """Open WebUI's `file.hash`: the SHA-256 of the extracted text."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def chunk_rows(settings: FileSettings, row: FileRow, text: str
               ) -> list[tuple[str, dict[str, Any]]]:
    """(text, metadata) per chunk, with the metadata Open WebUI records."""
    from data.extract.chunks import split_text  # imported on first use: see data/extract

    base = {"name": row.filename, "file_id": row.id, "source": row.filename,
            "created_by": row.user_id, "hash": text_hash(text)}
    return [(chunk.text, {**base, "start_index": chunk.start_index, **chunk.headers})
            for chunk in split_text(text, chunk_size=settings.chunk_size,
                                    chunk_overlap=settings.chunk_overlap,
                                    markdown_headers=settings.markdown_header_split)]


def publish_after_commit(ctx: Context, file_id: str, data: dict[str, Any]) -> None:
    event = {"type": "file_status", "file_id": file_id, "status": data.get("status"),
             "error": data.get("error")}
    pubsub = ctx.services.pubsub

    async def publish() -> None:
        await pubsub.publish(file_channel(file_id), event)

    ctx.after_commit(publish)


def queue_after_commit(ctx: Context, file_id: str, content: str | None = None, *,
                       join_knowledge: bool = False) -> None:
    services = ctx.services

    async def queue() -> None:
        services.spawn(run_processing(services, file_id, content,
                                      join_knowledge=join_knowledge))

    ctx.after_commit(queue)


async def process_file(ctx: Context, file_id: str, *, content: str | None = None
                       ) -> FileRow:
    """Owner, administrators, write grants: (re)process a file, e.g. one that failed;
    with `content`, that text replaces the extracted one. Answers at once with status
    `pending`; the work (chunks, then vectors in `file-<id>`) follows in the background."""
    viewer = await require_verified(ctx)
    row = await accessible_file(ctx, viewer, file_id, "write")
    data = {k: v for k, v in (row.data or {}).items() if k not in ("status", "error")}
    if content is not None:  # as Open WebUI: the text is kept even if indexing fails
        data["content"], row.updated_at = content, now_s()
    row.data = {**data, "status": "pending"}
    await ctx.session.flush()
    publish_after_commit(ctx, file_id, row.data)
    queue_after_commit(ctx, file_id, content)
    return row


async def _set_status(services: Services, file_id: str, data: dict[str, Any],
                      chunks: list[tuple[str, dict[str, Any]]] | None = None,
                      content_hash: str | None = None, collection: str | None = None
                      ) -> FileRow | None:
    """One short unit of work; None when the file was deleted meanwhile. Completion and
    failure also set or drop Open WebUI's `meta.collection_name`."""
    ctx = Context(services)
    async with ctx.unit_of_work(write=True):
        row = await FileRepo(ctx.session).get(file_id)
        if row is None:
            return None
        if chunks is not None or data.get("status") == "failed":
            # Nothing half-indexed stays: a failure leaves no chunks at all.
            await FileChunkRepo(ctx.session).replace(file_id, chunks or [])
            meta = {k: v for k, v in (row.meta or {}).items() if k != "collection_name"}
            row.meta = {**meta, "collection_name": collection} if collection else meta
        keep = {k: v for k, v in (row.data or {}).items()
                if k not in ("status", "error") and (chunks is None or k != "content")}
        row.data = {**keep, **data}
        if content_hash is not None:
            row.hash = content_hash
        publish_after_commit(ctx, file_id, row.data)
    return row


def _work(settings: FileSettings, row: FileRow, path: Path | None,
          content: str | None = None) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    if content is not None:
        if not content.strip():
            raise ExtractionFailed(EMPTY_CONTENT)
        return content, chunk_rows(settings, row, content)
    if path is None:
        raise ExtractionFailed("The stored bytes of this file are gone.")
    text = extract_text(path, name=row.filename, content_type=(row.meta or {}).get(
        "content_type"), max_expanded_size=settings.max_expanded_size)
    if not text.strip():
        raise ExtractionFailed("The file has no text to extract.")
    return text, chunk_rows(settings, row, text)


async def fail_file(services: Services, file_id: str, reason: str) -> None:
    """The file marked failed with the reason, none of its chunks or vectors kept."""
    try:
        await drop_file_vectors(Context(services), file_id)
    except Exception:  # the store down too: the file is still marked failed
        log.warning("file %s failed; its vectors could not be dropped yet", file_id)
    await _set_status(services, file_id, {"status": "failed", "error": reason})


async def run_processing(services: Services, file_id: str, content: str | None = None,
                         *, join_knowledge: bool = False) -> None:
    """With `join_knowledge` (an upload's first processing), a completed file then joins
    the knowledge base its upload named (resolvers/files/knowledge_upload.py)."""
    settings = services.settings.files
    assert settings is not None
    slot = _slots.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(1))
    async with slot:
        row = await _set_status(services, file_id, {"status": "processing"})
        if row is None:
            return
        store = Uploads(settings.uploads_dir, settings.former_uploads_dir)
        try:
            text, chunks = await asyncio.to_thread(_work, settings, row,
                                                   store.locate(row.path), content)
            collection = await index_file(Context(services), file_id, chunks,
                                          text_hash(text))
        except (ExtractionFailed, DomainError) as error:
            await fail_file(services, file_id, str(error))
            return
        except Exception:
            log.exception("processing file %s failed", file_id)
            await fail_file(services, file_id, UNEXPECTED)
            return
        try:
            done = await _set_status(services, file_id, {"status": "completed",
                                                         "content": text}, chunks,
                                     text_hash(text), collection)
        except Exception:  # not completed, so not searchable either
            await drop_file_vectors(Context(services), file_id)
            raise
        if done is None:  # deleted while it was embedded: its vectors go too
            await drop_file_vectors(Context(services), file_id)
        elif join_knowledge:
            await _join(services, done)


async def _join(services: Services, row: FileRow) -> None:
    try:
        reason = await knowledge_upload.join_knowledge(services, row)
    except Exception:  # the file stays completed; the reason is what went wrong
        log.exception("file %s could not join its knowledge base", row.id)
        reason = "Not added to the knowledge base: " + UNEXPECTED
    if reason:
        await _set_status(services, row.id, {"status": "completed", "error": reason})


async def recover_unfinished(services: Services) -> int:
    """At start-up: files left pending or processing when a server stopped are marked
    failed with the reason, so that nobody waits on them and they can be processed again."""
    ctx = Context(services)
    async with ctx.unit_of_work(write=True):
        rows = await FileRepo(ctx.session).unfinished()
        for row in rows:
            await FileChunkRepo(ctx.session).replace(row.id, [])
            row.data = {**(row.data or {}), "status": "failed", "error": INTERRUPTED}
    for row in rows:  # a write cut short may have left vectors of this or an older text
        try:
            await drop_file_vectors(ctx, row.id)
        except Exception:  # a store not reachable yet must not stop the start
            log.warning("the vectors of interrupted file %s could not be dropped", row.id)
    return len(rows)


async def file_chunks(ctx: Context, file_id: str, *, batch: int = 500
                      ) -> AsyncIterator[FileChunkRow]:
    """The file's chunks in order, for whoever may read the file; what embedding reads."""
    viewer = await require_verified(ctx)
    await accessible_file(ctx, viewer, file_id)
    repo, offset = FileChunkRepo(ctx.session), 0
    while rows := await repo.for_file(file_id, offset=offset, limit=batch):
        for row in rows:
            yield row
        offset += len(rows)


async def follow_file_status(ctx: Context, file_id: str) -> AsyncIterator[dict[str, Any]]:
    """Whoever may read the file: its status now, then each change, until it is
    completed or failed. Subscribes before reading, so no change is missed."""
    async with ctx.unit_of_work():
        await accessible_file(ctx, await require_verified(ctx), file_id)
    async with ctx.services.pubsub.subscribe(file_channel(file_id)) as events:
        async with ctx.unit_of_work():
            row = await FileRepo(ctx.session).get(file_id)
            data = dict(row.data or {}) if row is not None else {
                "status": "failed", "error": "The file was deleted."}
        yield _status(file_id, data)
        if data.get("status") not in TERMINAL:
            async for event in events:
                yield _status(file_id, event)
                if event.get("status") in TERMINAL:
                    break


def _status(file_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"file_id": file_id, "status": data.get("status"), "error": data.get("error")}


@dataclass(frozen=True)
class Outcome:
    """How a file's processing ended: its name, `data` (status, error, content), and the
    collection holding its vectors (None when failed or embedding is bypassed)."""

    filename: str
    data: dict[str, Any]
    collection: str | None = None


async def process_file_and_wait(ctx: Context, file_id: str, *,
                                content: str | None = None) -> Outcome:
    """As process_file, then wait until the background work ends (for surfaces whose
    answer carries the result, as Open WebUI's `process/file` does). The work goes on if
    the caller leaves."""
    async with ctx.unit_of_work(write=True):
        await process_file(ctx, file_id, content=content)
    async for event in follow_file_status(ctx, file_id):
        if event.get("status") in TERMINAL:
            break
    async with ctx.unit_of_work():
        row = await accessible_file(ctx, await require_verified(ctx), file_id)
        data = dict(row.data) if isinstance(row.data, dict) else {}
        indexed = data.get("status") == "completed" and not bypassed(ctx)
        return Outcome(row.filename, data, file_collection(file_id) if indexed else None)
