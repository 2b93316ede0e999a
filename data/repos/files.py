"""Open WebUI's `file` rows and Parley's chunks of their text (parley_file_chunk)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data.repos.chats import like_pattern
from data.tables import ChatFileRow, FileChunkRow, FileRow, KnowledgeFileRow
from data.tables.base import now_s

# Chunks go to the database in batches of this many rows: one statement each, well
# under either driver's bound-parameter limit.
CHUNK_BATCH = 500


class FileRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, file_id: str) -> FileRow | None:
        return await self.session.get(FileRow, file_id)

    async def by_ids(self, file_ids: Sequence[str]) -> dict[str, FileRow]:
        if not file_ids:
            return {}
        stmt = select(FileRow).where(FileRow.id.in_(list(file_ids)))
        return {row.id: row for row in (await self.session.execute(stmt)).scalars()}

    async def add(self, row: FileRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def link_to_chat(self, *, user_id: str, chat_id: str, message_id: str | None,
                           file_ids: Sequence[str]) -> None:
        """Open WebUI's `chat_file` rows: these files belong to that chat's message."""
        now = now_s()
        self.session.add_all([ChatFileRow(id=str(uuid.uuid4()), user_id=user_id,
                                          chat_id=chat_id, message_id=message_id,
                                          file_id=file_id, created_at=now, updated_at=now)
                              for file_id in file_ids])
        await self.session.flush()

    def _where(self, user_id: str | None, search: str | None) -> list:
        where = []
        if user_id is not None:
            where.append(FileRow.user_id == user_id)
        if search:
            where.append(func.lower(FileRow.filename).like(like_pattern(search), escape="\\"))
        return where

    async def page(self, *, user_id: str | None, search: str | None = None, offset: int = 0,
                   limit: int | None = None) -> Sequence[FileRow]:
        """Newest change first, as Open WebUI lists them; `user_id` None: everyone's."""
        stmt = (select(FileRow).where(*self._where(user_id, search))
                .order_by(FileRow.updated_at.desc(), FileRow.id.desc()).offset(offset))
        if limit is not None:
            stmt = stmt.limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def count(self, *, user_id: str | None, search: str | None = None) -> int:
        stmt = select(func.count()).select_from(FileRow).where(*self._where(user_id, search))
        return (await self.session.execute(stmt)).scalar_one()

    async def set_data(self, file_id: str, data: dict[str, Any]) -> None:
        await self.session.execute(update(FileRow).where(FileRow.id == file_id)
                                   .values(data=data, updated_at=now_s()))

    async def unfinished(self) -> Sequence[FileRow]:
        """Files whose processing was pending or running (status kept inside JSON)."""
        status = cast(FileRow.data, String)
        stmt = select(FileRow).where(or_(status.like('%"status": "pending"%'),
                                         status.like('%"status": "processing"%'),
                                         status.like('%"status":"pending"%'),
                                         status.like('%"status":"processing"%')))
        return [row for row in (await self.session.execute(stmt)).scalars()
                if isinstance(row.data, dict)
                and row.data.get("status") in ("pending", "processing")]

    async def delete(self, file_id: str) -> None:
        """The row, its chunks and its knowledge-base links (SQLite runs without foreign
        keys, as Open WebUI's does, so they go explicitly)."""
        for stmt in (delete(FileChunkRow).where(FileChunkRow.file_id == file_id),
                     delete(KnowledgeFileRow).where(KnowledgeFileRow.file_id == file_id),
                     delete(FileRow).where(FileRow.id == file_id)):
            await self.session.execute(stmt)

    async def ids(self) -> list[str]:
        return list((await self.session.execute(select(FileRow.id))).scalars())

    async def delete_all(self) -> list[str | None]:
        """Every file; returns their stored paths."""
        paths = list((await self.session.execute(select(FileRow.path))).scalars())
        for table in (FileChunkRow, KnowledgeFileRow, FileRow):
            await self.session.execute(delete(table))
        return paths

    async def knowledge_ids(self, file_id: str) -> list[str]:
        stmt = select(KnowledgeFileRow.knowledge_id).where(KnowledgeFileRow.file_id == file_id)
        return list((await self.session.execute(stmt)).scalars())


class FileChunkRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def replace(self, file_id: str, chunks: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """The file's chunks become these (text, metadata) pairs, in order."""
        await self.session.execute(delete(FileChunkRow).where(FileChunkRow.file_id == file_id))
        now, batch, count = now_s(), [], 0
        for text, meta in chunks:
            batch.append({"id": str(uuid.uuid4()), "file_id": file_id, "chunk_index": count,
                          "text": text, "meta": meta, "created_at": now})
            count += 1
            if len(batch) == CHUNK_BATCH:
                await self.session.execute(insert(FileChunkRow), batch)
                batch = []
        if batch:
            await self.session.execute(insert(FileChunkRow), batch)
        return count

    async def for_file(self, file_id: str, *, offset: int = 0, limit: int | None = None
                       ) -> Sequence[FileChunkRow]:
        stmt = (select(FileChunkRow).where(FileChunkRow.file_id == file_id)
                .order_by(FileChunkRow.chunk_index).offset(offset))
        if limit is not None:
            stmt = stmt.limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def count(self, file_id: str) -> int:
        stmt = select(func.count()).select_from(FileChunkRow).where(
            FileChunkRow.file_id == file_id)
        return (await self.session.execute(stmt)).scalar_one()
