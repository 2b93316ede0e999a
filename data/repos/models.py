"""Open WebUI's `model` rows: overrides of upstream models (no `base_model_id`) and custom
presets built on one (with `base_model_id`). Access to them lives in `access_grant`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.point_reads import PointReader, json_value
from data.repos.access_grants import EVERYONE
from data.tables import AccessGrantRow, ModelRow

_COLUMNS = ("id", "user_id", "base_model_id", "name", "params", "meta", "version_id",
            "is_active", "updated_at", "created_at")
# A read grant (or a write grant, which includes it) to the user, to everyone, or to one
# of the user's groups: the rule of AccessGrantRepo.granted, in one statement.
_WITH_GRANT = (
    "SELECT " + ", ".join(f"m.{c}" for c in _COLUMNS) + ", EXISTS (SELECT 1 FROM access_grant g"
    " WHERE g.resource_type = 'model' AND g.resource_id = m.id"
    " AND g.permission IN ('read', 'write') AND ("
    f"(g.principal_type = 'user' AND g.principal_id IN ($2, '{EVERYONE}'))"
    " OR (g.principal_type = 'group' AND g.principal_id IN"
    " (SELECT group_id FROM group_member WHERE user_id = $2)))) AS granted"
    " FROM model m WHERE m.id = $1")
# Builds a ModelRow without its constructor (see data/repos/principals.py): read only.
_new_model = ModelRow.__mapper__.class_manager.new_instance


class ModelRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, model_id: str) -> ModelRow | None:
        return await self.session.get(ModelRow, model_id)

    async def get_for_update(self, model_id: str) -> ModelRow | None:
        """The row, locked against other writers until the transaction ends (PostgreSQL;
        SQLite's write transaction already holds the database's one write lock)."""
        stmt = select(ModelRow).where(ModelRow.id == model_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

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

    async def delete_all(self) -> None:
        """Every row, with the grants on them (their history: ModelHistoryRepo)."""
        await self.session.execute(delete(AccessGrantRow).where(
            AccessGrantRow.resource_type == "model"))
        await self.session.execute(delete(ModelRow))

    async def delete(self, model_id: str) -> None:
        await self.session.execute(delete(ModelRow).where(ModelRow.id == model_id))


@dataclass(frozen=True)
class ModelAccess:
    row: ModelRow  # detached: read it, never write through it
    granted: bool  # a read grant reaches the user (ownership aside)


class ModelAccessReader:
    """The model check of every proxied request, as point reads (data/point_reads.py)."""

    def __init__(self, reader: PointReader):
        self.reader = reader

    async def get(self, model_id: str, user_id: str) -> ModelAccess | None:
        found = await self.reader.one(_WITH_GRANT, model_id, user_id)
        if found is None:
            return None
        row = _new_model()
        row.__dict__.update({c: found[c] for c in _COLUMNS},
                            params=json_value(found["params"]),
                            meta=json_value(found["meta"]), is_active=bool(found["is_active"]))
        return ModelAccess(row, bool(found["granted"]))

