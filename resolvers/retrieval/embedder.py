"""The embedding engine as the `config` rows name it now: administrators change it at
run time (`/api/v1/retrieval/embedding/update`), and every instance on the database
follows within a second, without a restart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from data.embeddings import Embedder, make_embedder
from resolvers.retrieval.settings import embedding_settings


class ConfiguredEmbedder:
    """Stands where an Embedder stands (`services.embedder`); the engine behind it is
    made again only when its settings change."""

    def __init__(self, services: Any):
        self.services = services
        self._settings = services.settings.embeddings
        self._engine: Embedder = make_embedder(self._settings, services.llm)

    @property
    def engine(self) -> str:
        return self._engine.engine

    @property
    def model(self) -> str:
        return self._engine.model

    async def follow_config(self) -> Embedder:
        """The engine the config rows name now (made again if they changed)."""
        values = await self.services.config.current()
        wanted = embedding_settings(values, self.services.settings.embeddings)
        if wanted != self._settings:
            self._engine, self._settings = make_embedder(wanted, self.services.llm), wanted
        return self._engine

    async def embed(self, texts: Sequence[str], *, dimension: int | None = None
                    ) -> list[list[float]]:
        engine = await self.follow_config()
        return await engine.embed(list(texts), dimension=dimension)
