"""Runtime settings kept in Open WebUI's `config` table, read through a short cache.

The table is shared with other Parley instances and with Open WebUI, so values are
re-read after a second; a write through this process refreshes its cache at once.
Hot paths read with `current()`, straight from committed data without a session; reads
that must see their own transaction's writes pass that transaction's session.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from data.point_reads import PointReader
from data.repos.config import ConfigRepo, read_committed
from data.settings import RuntimeSeed

# Open WebUI's defaults for keys nobody has written yet.
DEFAULTS: dict[str, Any] = {
    "ui.enable_signup": True,
    "ui.enable_login_form": True,
    "ui.default_user_role": "pending",
    "auth.jwt_expiry": "4w",
    "auth.enable_api_keys": False,
    "auth.admin.show": True,
    "user.permissions": None,  # resolvers.permissions supplies the default map
    # Upstream connections; list indexes are Open WebUI's `url_idx`.
    "ollama.enable": True,
    "ollama.base_urls": ["http://localhost:11434"],
    "ollama.api_configs": {},
    "openai.enable": True,
    "openai.api_base_urls": ["https://api.openai.com/v1"],
    "openai.api_keys": [""],
    "openai.api_configs": {},
}


class RuntimeConfig:
    def __init__(self, seed: RuntimeSeed, reader: PointReader, ttl: float = 1.0):
        self.seed, self.reader, self.ttl = seed, reader, ttl
        self._values: dict[str, Any] = {}
        self._read_at = float("-inf")

    async def seed_database(self, session: AsyncSession) -> None:
        await ConfigRepo(session).seed(dict(self.seed.values))

    async def get(self, session: AsyncSession, key: str, *, fresh: bool = False) -> Any:
        return (await self.get_all(session, fresh=fresh))[key]

    async def current(self) -> dict[str, Any]:
        """The values as committed, at most `ttl` seconds old, without a unit of work."""
        if time.monotonic() - self._read_at > self.ttl:
            self._keep(await read_committed(self.reader, DEFAULTS))
        return self._values

    async def get_all(self, session: AsyncSession, *, fresh: bool = False) -> dict[str, Any]:
        if fresh or time.monotonic() - self._read_at > self.ttl:
            self._keep(await ConfigRepo(session).get_many(DEFAULTS))
        return self._values

    def _keep(self, stored: dict[str, Any]) -> None:
        values = DEFAULTS | stored
        if not self.seed.persistent:
            values |= dict(self.seed.values)
        self._values, self._read_at = values, time.monotonic()

    async def set(self, session: AsyncSession, values: dict[str, Any]) -> None:
        unknown = values.keys() - DEFAULTS.keys()
        if unknown:
            raise KeyError(f"not runtime settings: {sorted(unknown)}")
        await ConfigRepo(session).upsert(values)
        self._read_at = float("-inf")  # the next read sees the new values
