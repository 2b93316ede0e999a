"""Evaluation sets, their cases and their results (parley_evaluation*)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import EvaluationCaseRow, EvaluationResultRow, EvaluationRow


class EvaluationRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, evaluation_id: str, *, for_update: bool = False) -> EvaluationRow | None:
        stmt = select(EvaluationRow).where(EvaluationRow.id == evaluation_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(self, *, user_id: str | None, offset: int = 0,
                   limit: int | None = None) -> Sequence[EvaluationRow]:
        """Newest first; `user_id` None: everyone's."""
        stmt = select(EvaluationRow)
        if user_id is not None:
            stmt = stmt.where(EvaluationRow.user_id == user_id)
        stmt = stmt.order_by(EvaluationRow.created_at.desc(), EvaluationRow.id)
        return (await self.session.execute(stmt.offset(offset).limit(limit))).scalars().all()

    async def count(self, *, user_id: str | None) -> int:
        stmt = select(func.count()).select_from(EvaluationRow)
        if user_id is not None:
            stmt = stmt.where(EvaluationRow.user_id == user_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, row: EvaluationRow, cases: Sequence[EvaluationCaseRow]) -> None:
        self.session.add(row)
        self.session.add_all(cases)
        await self.session.flush()

    async def delete(self, evaluation_id: str) -> None:
        for table in (EvaluationResultRow, EvaluationCaseRow):
            await self.session.execute(delete(table).where(table.evaluation_id == evaluation_id))
        await self.session.execute(delete(EvaluationRow).where(EvaluationRow.id == evaluation_id))

    async def cases(self, evaluation_id: str) -> Sequence[EvaluationCaseRow]:
        stmt = (select(EvaluationCaseRow).where(EvaluationCaseRow.evaluation_id == evaluation_id)
                .order_by(EvaluationCaseRow.position))
        return (await self.session.execute(stmt)).scalars().all()

    async def case_counts(self, evaluation_ids: Sequence[str]) -> dict[str, int]:
        if not evaluation_ids:
            return {}
        stmt = (select(EvaluationCaseRow.evaluation_id, func.count())
                .where(EvaluationCaseRow.evaluation_id.in_(list(evaluation_ids)))
                .group_by(EvaluationCaseRow.evaluation_id))
        return {k: int(v) for k, v in (await self.session.execute(stmt)).all()}

    async def results(self, evaluation_id: str) -> Sequence[EvaluationResultRow]:
        stmt = (select(EvaluationResultRow)
                .where(EvaluationResultRow.evaluation_id == evaluation_id)
                .order_by(EvaluationResultRow.case_id, EvaluationResultRow.model))
        return (await self.session.execute(stmt)).scalars().all()

    async def clear_results(self, evaluation_id: str, *, failed_only: bool = False) -> None:
        stmt = delete(EvaluationResultRow).where(
            EvaluationResultRow.evaluation_id == evaluation_id)
        if failed_only:
            stmt = stmt.where(EvaluationResultRow.error.is_not(None))
        await self.session.execute(stmt)

    async def add_result(self, row: EvaluationResultRow) -> None:
        self.session.add(row)
        await self.session.flush()
