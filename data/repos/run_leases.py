"""Leases on runs (pipeline runs, evaluations): renewing those an instance holds, finding
those whose holder went quiet, and taking one over. A take is one conditional UPDATE, so
of two instances trying at once exactly one changes the row: PostgreSQL re-checks the
condition on the row it locked, and SQLite runs one writer at a time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import EvaluationRow, PipelineRunRow

PIPELINE_RUNS, EVALUATIONS = "pipeline", "evaluation"
LEASED: dict[str, Any] = {PIPELINE_RUNS: PipelineRunRow, EVALUATIONS: EvaluationRow}
RUNNING = "running"  # both tables' word for a run under way
NO_SYNC = {"synchronize_session": False}


def _orphaned(table: Any, cutoff: int) -> ColumnElement[bool]:
    """Running, and its lease older than `cutoff` (ms) or never taken (a run left by a
    server older than leases, or released by one shutting down)."""
    return and_(table.status == RUNNING,
                or_(table.heartbeat_at.is_(None), table.heartbeat_at < cutoff))


class RunLeaseRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def renew(self, kind: str, owner: str, run_ids: Collection[str], now: int
                    ) -> set[str]:
        """Stamp `now` on the runs among `run_ids` that `owner` still holds; returns
        those (a run missing was taken over or ended meanwhile)."""
        if not run_ids:
            return set()
        table = LEASED[kind]
        stmt = (update(table)
                .where(table.id.in_(list(run_ids)), table.lease_owner == owner,
                       table.status == RUNNING)
                .values(heartbeat_at=now).returning(table.id)
                .execution_options(**NO_SYNC))
        return set((await self.session.execute(stmt)).scalars().all())

    async def orphaned(self, kind: str, cutoff: int, *, limit: int = 100) -> Sequence[Any]:
        table = LEASED[kind]
        stmt = select(table).where(_orphaned(table, cutoff)).order_by(table.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def take(self, kind: str, run_id: str, cutoff: int, **values: Any) -> bool:
        """Write `values` on the run if it is still orphaned; whether this call did."""
        table = LEASED[kind]
        stmt = (update(table).where(table.id == run_id, _orphaned(table, cutoff))
                .values(**values).execution_options(**NO_SYNC))
        return (await self.session.execute(stmt)).rowcount == 1

    async def release(self, kind: str, run_id: str, owner: str) -> bool:
        """Give the lease up, the run still running: the next sweep anywhere takes it."""
        table = LEASED[kind]
        stmt = (update(table)
                .where(table.id == run_id, table.lease_owner == owner,
                       table.status == RUNNING)
                .values(lease_owner=None, heartbeat_at=None).execution_options(**NO_SYNC))
        return (await self.session.execute(stmt)).rowcount == 1

    async def database_clock(self) -> int | None:
        """The database server's time (ms), to compare instances' clocks with; None on
        SQLite, whose clock is the instance's own."""
        if self.session.bind.dialect.name != "postgresql":
            return None
        stmt = text("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
        return int((await self.session.execute(stmt)).scalar_one())
