"""Embedding engines: `make_embedder(settings, upstreams)` gives an object with
`engine`, `model` and `async embed(texts, *, dimension=None) -> list[list[float]]`."""

from __future__ import annotations

from typing import Any, Protocol

from data.embeddings.local import LocalEmbedder
from data.embeddings.settings import LOCAL, EmbeddingSettings
from data.embeddings.upstream import UpstreamEmbedder


class Embedder(Protocol):
    engine: str
    model: str

    async def embed(self, texts: list[str], *, dimension: int | None = None
                    ) -> list[list[float]]: ...


def make_embedder(settings: EmbeddingSettings, upstreams: Any) -> Embedder:
    if settings.engine == LOCAL:
        return LocalEmbedder(settings)
    return UpstreamEmbedder(upstreams, settings)


__all__ = ["Embedder", "EmbeddingSettings", "LocalEmbedder", "UpstreamEmbedder",
           "make_embedder"]
