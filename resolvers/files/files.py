"""Files: uploading, listing, reading, changing their text and deleting them, over Open
WebUI's `file` table and its uploads folder (`<id>_<name>`).

Every resolver needs an approved account; reads and deletes follow resolvers/files/access.py.
Processing (text and chunks) is queued after the commit, never run in the request.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from data.file_settings import FileSettings
from data.repos.files import FileRepo
from data.tables import FileRow, UserRow
from data.tables.base import now_s
from data.uploads import Uploads, extension, safe_name
from resolvers.context import Context
from resolvers.errors import DomainError, Invalid, NotFound
from resolvers.files import processing
from resolvers.files.access import accessible_file
from resolvers.files.indexing import drop_file_vectors
from resolvers.files.knowledge_upload import check_knowledge_target
from resolvers.loaders import loaders
from resolvers.permissions import require_admin, require_verified


class TooLarge(DomainError):
    code, status = "PAYLOAD_TOO_LARGE", 413


@dataclass(frozen=True)
class FileUpload:
    """What a surface received: the client's name and type, and the bytes (a file that
    the surface has already spooled, within the size limit)."""

    name: str
    source: BinaryIO
    content_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    process: bool = True


@dataclass(frozen=True)
class FilePage:
    files: list[FileRow]
    total: int


def file_settings(ctx: Context) -> FileSettings:
    assert ctx.settings.files is not None, "Settings come from load_settings()"
    return ctx.settings.files


def uploads(ctx: Context) -> Uploads:
    settings = file_settings(ctx)
    return Uploads(settings.uploads_dir, settings.former_uploads_dir)


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"The file is larger than the {limit // 1024**2} MB allowed.",
                    reason="file_too_large")


def _check_upload(settings: FileSettings, name: str, size: int, process: bool) -> None:
    if size == 0:
        raise Invalid("The file is empty.", reason="file_empty", field="file")
    if size > settings.max_size:
        raise too_large(settings.max_size)
    allowed = settings.allowed_extensions
    ext = extension(name)
    # As Open WebUI: the allowed list applies to files that are to be processed.
    if process and allowed and ext not in allowed:
        raise Invalid(f"File type {ext or '(none)'} is not allowed", reason="file_type",
                      field="file")


def _source_size(source: BinaryIO) -> int:
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    return size


async def check_uploader(ctx: Context) -> None:
    """Verified users may upload: surfaces ask before they read a file's bytes."""
    await require_verified(ctx)


async def upload_file(ctx: Context, upload: FileUpload) -> FileRow:
    """Verified users: store the bytes and the row; with `process`, queue processing
    (its status is published on the file's channel), after which the file joins the
    knowledge base its metadata names (`knowledge_id`, writable by the caller)."""
    viewer = await require_verified(ctx)
    settings = file_settings(ctx)
    name = safe_name(upload.name)
    _check_upload(settings, name, await asyncio.to_thread(_source_size, upload.source),
                  upload.process)
    await check_knowledge_target(ctx, upload.metadata, process=upload.process)
    file_id = str(uuid.uuid4())
    store = uploads(ctx)
    path, size, digest = await asyncio.to_thread(store.save, upload.source, file_id, name)
    now = now_s()
    row = FileRow(
        id=file_id, user_id=viewer.id, hash=None, filename=name, path=str(path),
        data={"status": "pending"} if upload.process else {},
        meta={"name": name, "content_type": upload.content_type or _guess_type(name),
              "size": size, "file_hash": digest, "data": upload.metadata},
        created_at=now, updated_at=now)
    try:
        await FileRepo(ctx.session).add(row)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    if upload.process:
        processing.queue_after_commit(ctx, file_id, join_knowledge=True)
    return row


def _guess_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


async def list_files(ctx: Context, *, search: str | None = None, offset: int = 0,
                     limit: int | None = None) -> FilePage:
    """Verified users: their own files, newest change first; administrators see all."""
    viewer = await require_verified(ctx)
    owner = None if viewer.role == "admin" else viewer.id
    repo = FileRepo(ctx.session)
    rows = await repo.page(user_id=owner, search=search, offset=offset, limit=limit)
    return FilePage(list(rows), await repo.count(user_id=owner, search=search))


async def get_file(ctx: Context, file_id: str) -> FileRow:
    """Owner, administrators, those granted access; NotFound for anyone else."""
    return await accessible_file(ctx, await require_verified(ctx), file_id)


async def file_blob(ctx: Context, file_id: str) -> tuple[FileRow, Path]:
    """The file and where its bytes are, inside the uploads folder; NotFound when the
    bytes are gone."""
    row = await get_file(ctx, file_id)
    path = uploads(ctx).locate(row.path)
    if path is None:
        raise NotFound(f"The stored bytes of file {file_id!r} are gone.",
                       reason="file_not_found")
    return row, path


async def get_file_text(ctx: Context, file_id: str) -> str:
    """The extracted text (empty until processing completed)."""
    row = await get_file(ctx, file_id)
    return str((row.data or {}).get("content") or "")


async def update_file_text(ctx: Context, file_id: str, content: str) -> FileRow:
    """Owner, administrators, write grants: replace the extracted text; its chunks and
    vectors are re-made in the background (status `pending`, as process_file)."""
    return await processing.process_file(ctx, file_id, content=content)


def _drop_vectors_after_commit(ctx: Context, file_ids: list[str],
                               collections: list[str]) -> None:
    context = Context(ctx.services)

    async def drop() -> None:
        for file_id in file_ids:
            await drop_file_vectors(context, file_id, collections)

    ctx.after_commit(drop)


async def delete_file(ctx: Context, file_id: str) -> bool:
    """Owner, administrators, write grants: the row, its chunks and links, then its bytes
    and vectors (its collection, and its chunks in knowledge bases that held it)."""
    viewer = await require_verified(ctx)
    row = await accessible_file(ctx, viewer, file_id, "write")
    repo = FileRepo(ctx.session)
    knowledge_ids = await repo.knowledge_ids(file_id)
    await repo.delete(file_id)
    store, stored = uploads(ctx), row.path

    async def remove_blob() -> None:
        await asyncio.to_thread(store.remove, stored)

    ctx.after_commit(remove_blob)
    _drop_vectors_after_commit(ctx, [file_id], knowledge_ids)
    return True


async def delete_all_files(ctx: Context) -> int:
    """Administrators: every file, its chunks, vectors and the uploads folder's contents."""
    await require_admin(ctx)
    repo = FileRepo(ctx.session)
    file_ids = await repo.ids()
    paths = await repo.delete_all()
    store = uploads(ctx)

    async def remove_blobs() -> None:
        await asyncio.to_thread(store.remove_all)

    ctx.after_commit(remove_blobs)
    _drop_vectors_after_commit(ctx, file_ids, [])
    return len(paths)


async def get_file_owner(ctx: Context, owner_id: str) -> UserRow | None:
    """The owner of a file the caller has already read, batched with the others of a page."""
    return await loaders(ctx).users.load(owner_id)
