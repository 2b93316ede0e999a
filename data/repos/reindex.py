"""What a re-index reads (every file, every knowledge base with its files) and the
progress it keeps (parley_reindex_progress)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import FileRow, KnowledgeFileRow, KnowledgeRow, ReindexProgressRow
from data.tables.base import now_s


class ReindexRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def file_ids(self) -> list[str]:
        """Every file, oldest first (ties by id): a resumed run meets them in one order."""
        stmt = select(FileRow.id).order_by(FileRow.created_at, FileRow.id)
        return list((await self.session.execute(stmt)).scalars())

    async def knowledge_files(self) -> dict[str, list[str]]:
        """Every knowledge base, oldest first, with its files in the order they joined."""
        bases = select(KnowledgeRow.id).order_by(KnowledgeRow.created_at, KnowledgeRow.id)
        found: dict[str, list[str]] = {k: [] for k in (await self.session.execute(bases))
                                       .scalars()}
        links = select(KnowledgeFileRow.knowledge_id, KnowledgeFileRow.file_id).order_by(
            KnowledgeFileRow.created_at, KnowledgeFileRow.id)
        for knowledge_id, file_id in (await self.session.execute(links)).all():
            found.setdefault(knowledge_id, []).append(file_id)
        return found

    async def done(self, config: str) -> set[str]:
        stmt = select(ReindexProgressRow.target).where(ReindexProgressRow.config == config)
        return set((await self.session.execute(stmt)).scalars())

    async def others(self, config: str) -> int:
        """Progress recorded for another store or model: not to be resumed."""
        stmt = select(func.count()).select_from(ReindexProgressRow).where(
            ReindexProgressRow.config != config)
        return (await self.session.execute(stmt)).scalar_one()

    async def mark(self, target: str, config: str, chunks: int) -> None:
        await self.session.execute(delete(ReindexProgressRow).where(
            ReindexProgressRow.target == target))
        self.session.add(ReindexProgressRow(target=target, config=config, chunks=chunks,
                                            done_at=now_s()))
        await self.session.flush()

    async def clear(self, targets: Sequence[str] | None = None) -> None:
        stmt = delete(ReindexProgressRow)
        if targets is not None:
            stmt = stmt.where(ReindexProgressRow.target.in_(list(targets)))
        await self.session.execute(stmt)
