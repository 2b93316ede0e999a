"""Pipelines (`parley_pipeline`) and their runs (`parley_pipeline_run`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import PipelineRow, PipelineRunRow


class PipelineRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, pipeline_id: str) -> PipelineRow | None:
        return await self.session.get(PipelineRow, pipeline_id)

    async def get_for_update(self, pipeline_id: str) -> PipelineRow | None:
        stmt = select(PipelineRow).where(PipelineRow.id == pipeline_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(self, *, owner_or_ids: tuple[str, Sequence[str]] | None, offset: int,
                   limit: int) -> tuple[Sequence[PipelineRow], int]:
        """Newest change first. `owner_or_ids`: only the owner's rows and these ids (None:
        every row, for administrators). Returns the page and the whole list's count."""
        where = []
        if owner_or_ids is not None:
            owner, ids = owner_or_ids
            where.append(or_(PipelineRow.user_id == owner, PipelineRow.id.in_(list(ids)))
                         if ids else PipelineRow.user_id == owner)
        total = (await self.session.execute(
            select(func.count()).select_from(PipelineRow).where(*where))).scalar_one()
        stmt = (select(PipelineRow).where(*where)
                .order_by(PipelineRow.updated_at.desc(), PipelineRow.id)
                .offset(offset).limit(limit))
        return (await self.session.execute(stmt)).scalars().all(), int(total)

    async def add(self, row: PipelineRow) -> PipelineRow:
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, pipeline_id: str) -> bool:
        await self.session.execute(delete(PipelineRunRow).where(
            PipelineRunRow.pipeline_id == pipeline_id))
        stmt = delete(PipelineRow).where(PipelineRow.id == pipeline_id)
        return (await self.session.execute(stmt)).rowcount > 0


class PipelineRunRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, run_id: str) -> PipelineRunRow | None:
        return await self.session.get(PipelineRunRow, run_id)

    async def add(self, row: PipelineRunRow) -> PipelineRunRow:
        self.session.add(row)
        await self.session.flush()
        return row

    async def for_pipeline(self, pipeline_id: str, *, user_id: str | None, offset: int,
                           limit: int) -> tuple[Sequence[PipelineRunRow], int]:
        """Newest first; `user_id`: only the runs that user started (None: all)."""
        where = [PipelineRunRow.pipeline_id == pipeline_id]
        if user_id is not None:
            where.append(PipelineRunRow.user_id == user_id)
        total = (await self.session.execute(
            select(func.count()).select_from(PipelineRunRow).where(*where))).scalar_one()
        stmt = (select(PipelineRunRow).where(*where)
                .order_by(PipelineRunRow.started_at.desc(), PipelineRunRow.id)
                .offset(offset).limit(limit))
        return (await self.session.execute(stmt)).scalars().all(), int(total)
