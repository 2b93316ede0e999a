"""Open WebUI's `model` rows: overrides of upstream models (no `base_model_id`) and custom
presets built on one (with `base_model_id`). Access to them lives in `access_grant`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import ModelRow


class ModelRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, model_id: str) -> ModelRow | None:
        return await self.session.get(ModelRow, model_id)

    async def by_ids(self, model_ids: Sequence[str]) -> dict[str, ModelRow]:
        if not model_ids:
            return {}
        stmt = select(ModelRow).where(ModelRow.id.in_(list(model_ids)))
        return {row.id: row for row in (await self.session.execute(stmt)).scalars()}

    async def all(self) -> Sequence[ModelRow]:
        stmt = select(ModelRow).order_by(ModelRow.created_at, ModelRow.id)
        return (await self.session.execute(stmt)).scalars().all()

    async def add(self, row: ModelRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def delete(self, model_id: str) -> None:
        await self.session.execute(delete(ModelRow).where(ModelRow.id == model_id))
