"""Open WebUI's `model_history`: one snapshot per saved version of a workspace model,
linked to the version it was made from (`parent_id`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import ModelHistoryRow, UserRow

PAGE = 20  # Open WebUI's page of history entries


class ModelHistoryRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, row: ModelHistoryRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def get(self, model_id: str, history_id: str) -> ModelHistoryRow | None:
        stmt = select(ModelHistoryRow).where(ModelHistoryRow.model_id == model_id,
                                             ModelHistoryRow.id == history_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(self, model_id: str, page: int
                   ) -> Sequence[tuple[ModelHistoryRow, str | None]]:
        """Newest first, with each author's name (None once the account is gone)."""
        stmt = (select(ModelHistoryRow, UserRow.name)
                .outerjoin(UserRow, UserRow.id == ModelHistoryRow.user_id)
                .where(ModelHistoryRow.model_id == model_id)
                .order_by(ModelHistoryRow.created_at.desc(), ModelHistoryRow.id.desc())
                .offset((max(1, page) - 1) * PAGE).limit(PAGE))
        return [(row, name) for row, name in (await self.session.execute(stmt)).all()]

    async def remove(self, entry: ModelHistoryRow) -> None:
        """Drop one entry; its children hang from its parent instead, so the chain holds."""
        await self.session.execute(
            update(ModelHistoryRow)
            .where(ModelHistoryRow.model_id == entry.model_id,
                   ModelHistoryRow.parent_id == entry.id)
            .values(parent_id=entry.parent_id))
        await self.session.execute(delete(ModelHistoryRow).where(ModelHistoryRow.id == entry.id))

    async def delete_for(self, model_ids: Sequence[str] | None) -> None:
        """Every entry of these models (None: of every model)."""
        stmt = delete(ModelHistoryRow)
        if model_ids is not None:
            stmt = stmt.where(ModelHistoryRow.model_id.in_(list(model_ids)))
        await self.session.execute(stmt)
