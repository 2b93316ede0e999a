"""Runtime settings kept in Open WebUI's `config` table, read through a short cache.

The table is shared with other Parley instances and with Open WebUI, so values are
re-read after a second; a write through this process refreshes its cache at once.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from data.repos.config import ConfigRepo
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
    def __init__(self, seed: RuntimeSeed, ttl: float = 1.0):
        self.seed, self.ttl = seed, ttl
        self._values: dict[str, Any] = {}
        self._read_at = float("-inf")

    async def seed_database(self, session: AsyncSession) -> None:
        await ConfigRepo(session).seed(dict(self.seed.values))

    async def get(self, session: AsyncSession, key: str, *, fresh: bool = False) -> Any:
        return (await self.get_all(session, fresh=fresh))[key]

    def cached(self) -> dict[str, Any] | None:
        """The values if read within the last `ttl` seconds; None means read them. Lets a
        hot path skip opening a session when nothing needs the database."""
        return self._values if time.monotonic() - self._read_at <= self.ttl else None

    async def get_all(self, session: AsyncSession, *, fresh: bool = False) -> dict[str, Any]:
        if fresh or time.monotonic() - self._read_at > self.ttl:
            stored = await ConfigRepo(session).get_many(DEFAULTS)
            values = DEFAULTS | stored
            if not self.seed.persistent:
                values |= dict(self.seed.values)
            self._values, self._read_at = values, time.monotonic()
        return self._values

    async def set(self, session: AsyncSession, values: dict[str, Any]) -> None:
        unknown = values.keys() - DEFAULTS.keys()
        if unknown:
            raise KeyError(f"not runtime settings: {sorted(unknown)}")
        await ConfigRepo(session).upsert(values)
        self._read_at = float("-inf")  # the next read sees the new values
