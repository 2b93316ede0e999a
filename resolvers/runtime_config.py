"""Runtime settings kept in Open WebUI's `config` table, read through a short cache.

The table is shared with other Parley instances and with Open WebUI, so values are
re-read after a second; a write through this process refreshes its cache at once.
Hot paths read with `current()`, straight from committed data without a session; reads
that must see their own transaction's writes pass that transaction's session.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from data.audio.settings import AUDIO_DEFAULTS
from data.engines.image_settings import IMAGE_DEFAULTS
from data.point_reads import PointReader
from data.rag_settings import RAG_DEFAULTS
from data.repos.config import ConfigRepo, read_committed
from data.settings import RuntimeSeed
from data.task_settings import TASK_DEFAULTS
from resolvers.retrieval.template import DEFAULT_RAG_TEMPLATE

log = logging.getLogger(__name__)

# Open WebUI's defaults for keys nobody has written yet.
DEFAULTS: dict[str, Any] = {
    "ui.enable_signup": True,
    "ui.enable_login_form": True,
    "ui.default_user_role": "pending",
    "auth.jwt_expiry": "4w",
    "auth.enable_api_keys": False,
    "auth.admin.show": True,
    "auth.admin.email": None,  # the admin contact shown; None: the primary admin
    "user.permissions": None,  # resolvers.permissions supplies the default map
    "memories.enable": True,  # Open WebUI's switch for every memories route
    "ui.default_interface_settings": {},  # fills a person's unset `ui` settings
    # Upstream connections; list indexes are Open WebUI's `url_idx`.
    "ollama.enable": True,
    "ollama.base_urls": ["http://localhost:11434"],
    "ollama.api_configs": {},
    "openai.enable": True,
    "openai.api_base_urls": ["https://api.openai.com/v1"],
    "openai.api_keys": [""],
    "openai.api_configs": {},
    "rag.template": DEFAULT_RAG_TEMPLATE,  # RAG_TEMPLATE: grounded answers' prompt
    "evaluation.arena.enable": True,  # ENABLE_EVALUATION_ARENA_MODELS
    "evaluation.arena.models": [],  # EVALUATION_ARENA_MODELS
    **TASK_DEFAULTS,  # the helper tasks' model and prompt templates
    **RAG_DEFAULTS,  # retrieval's search defaults and embedding engine
    **AUDIO_DEFAULTS,  # speech engines (data/audio/settings.py)
    **IMAGE_DEFAULTS,  # image generation: engine, model, size, engines' URLs and keys
}


class RuntimeConfig:
    def __init__(self, seed: RuntimeSeed, reader: PointReader, ttl: float = 1.0,
                 reread_delay: float = 0.05):
        self.seed, self.reader, self.ttl = seed, reader, ttl
        self.reread_delay = reread_delay
        self._values: dict[str, Any] = {}
        self._stored: dict[str, Any] | None = None  # the rows behind `_values`
        self._read_at = float("-inf")
        self._written = 0  # counts writes here: a re-read begun before one is not kept
        self._rereading: asyncio.TimerHandle | asyncio.Task | None = None

    async def seed_database(self, session: AsyncSession) -> None:
        await ConfigRepo(session).seed(dict(self.seed.values))

    async def get(self, session: AsyncSession, key: str, *, fresh: bool = False) -> Any:
        return (await self.get_all(session, fresh=fresh))[key]

    async def current(self) -> dict[str, Any]:
        """The values as committed, without a unit of work. Once they are `ttl` seconds
        old, the values in hand still answer, and fresh ones are read `reread_delay`
        seconds later: a proxied request, say, must neither wait for the re-read nor
        find it running when its upstream answers (the read would then stand between
        the answer and its first byte). Values never read, or changed by a write here,
        are read at once."""
        if time.monotonic() - self._read_at > self.ttl:
            if self._read_at == float("-inf"):
                self._keep(await read_committed(self.reader, DEFAULTS))
            elif self._rereading is None:
                self._rereading = asyncio.get_running_loop().call_later(
                    self.reread_delay, self._start_reread)
        return self._values

    def _start_reread(self) -> None:
        self._rereading = asyncio.ensure_future(self._reread())

    def close(self) -> None:
        """Drop a re-read not yet begun (the server is stopping)."""
        if isinstance(self._rereading, asyncio.TimerHandle):
            self._rereading.cancel()
            self._rereading = None

    async def _reread(self) -> None:
        written = self._written
        try:
            stored = await read_committed(self.reader, DEFAULTS)
        except Exception:  # the values in hand stay; the next caller tries again
            log.warning("re-reading the runtime settings failed", exc_info=True)
            return
        finally:
            self._rereading = None
        if written == self._written:
            self._keep(stored)

    async def get_all(self, session: AsyncSession, *, fresh: bool = False) -> dict[str, Any]:
        if fresh or time.monotonic() - self._read_at > self.ttl:
            self._keep(await ConfigRepo(session).get_many(DEFAULTS))
        return self._values

    def _keep(self, stored: dict[str, Any]) -> None:
        # Unchanged rows keep the same `_values` object, so what callers derive from it
        # (resolvers.models.models parses the connections) is not derived again.
        if stored != self._stored:
            values = DEFAULTS | stored
            if not self.seed.persistent:
                values |= dict(self.seed.values)
            self._values, self._stored = values, stored
        self._read_at = time.monotonic()

    async def set(self, session: AsyncSession, values: dict[str, Any]) -> None:
        unknown = values.keys() - DEFAULTS.keys()
        if unknown:
            raise KeyError(f"not runtime settings: {sorted(unknown)}")
        await ConfigRepo(session).upsert(values)
        self._written += 1
        self._read_at = float("-inf")  # the next read sees the new values
