"""Open WebUI's `config` table: one row per dotted key, a JSON value each.

Both servers read and write it, so runtime settings (sign-up switch, default role, JWT
expiry, API keys) agree across Parley instances and Open WebUI on one database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from data.point_reads import PointReader
from data.repos.locks import serialize
from data.tables import ConfigRow
from data.tables.base import now_s


class ConfigRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        stmt = select(ConfigRow.key, ConfigRow.value).where(ConfigRow.key.in_(list(keys)))
        return {key: value for key, value in (await self.session.execute(stmt)).all()}

    async def upsert(self, values: Mapping[str, Any]) -> None:
        existing = {row.key: row for row in (await self.session.execute(
            select(ConfigRow).where(ConfigRow.key.in_(list(values))))).scalars()}
        now = now_s()
        for key, value in values.items():
            row = existing.get(key)
            if row is None:
                self.session.add(ConfigRow(key=key, value=value, updated_at=now))
            else:
                row.value, row.updated_at = value, now
        await self.session.flush()

    async def seed(self, values: Mapping[str, Any]) -> None:
        """Write only the keys that are missing: the database wins once seeded. Instances
        starting together take turns, so none inserts a key another just inserted."""
        await serialize(self.session, "parley:config-seed")
        present = await self.get_many(values)
        missing = {k: v for k, v in values.items() if k not in present}
        if missing:
            await self.upsert(missing)


async def read_committed(reader: PointReader, keys: Iterable[str]) -> dict[str, Any]:
    """The committed values of these keys, read outside any unit of work (hot paths).
    A value that is not valid JSON (written by hand) counts as missing."""
    keys = list(keys)
    marks = ", ".join(f"${i}" for i in range(1, len(keys) + 1))
    rows = await reader.all(f"SELECT key, value FROM config WHERE key IN ({marks})", *keys)
    found: dict[str, Any] = {}
    for row in rows:
        value = row["value"]
        if isinstance(value, str | bytes):  # SQLite's text; asyncpg's json and text
            try:
                value = json.loads(value)
            except ValueError:
                continue
        found[row["key"]] = value
    return found
