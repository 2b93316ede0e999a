"""What a model definition points at besides knowledge: Open WebUI functions (filters and
actions), by id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import FunctionRow


async def functions_by_ids(session: AsyncSession, ids: Sequence[str]
                           ) -> dict[str, tuple[str, bool]]:
    """id -> (type, is_active) for the functions that exist."""
    if not ids:
        return {}
    stmt = select(FunctionRow.id, FunctionRow.type, FunctionRow.is_active).where(
        FunctionRow.id.in_(list(ids)))
    return {r.id: (r.type, bool(r.is_active)) for r in (await session.execute(stmt)).all()}
