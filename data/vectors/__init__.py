"""Vector stores behind one interface (data/vectors/base.py): the embedded default, in
the database Parley already uses, and Weaviate. `make_store` picks one by VECTOR_DB."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from data.point_reads import PointReader
from data.vectors.base import (
    DimensionMismatch,
    GetResult,
    Item,
    SearchResult,
    StoreUnavailable,
    VectorStore,
    VectorStoreError,
)
from data.vectors.settings import WEAVIATE, VectorSettings


class LazyStore:
    """The embedded store, built on its first use: it brings numpy (about 15 MB and 45 ms),
    which a server that never searches need not load at start-up."""

    def __init__(self, build: Callable[[], VectorStore]):
        self._build, self._store = build, None

    def __getattr__(self, name: str) -> Any:
        if self._store is None:
            self._store = self._build()
        return getattr(self._store, name)

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()


def make_store(settings: VectorSettings, sessionmaker: async_sessionmaker[AsyncSession],
               write_sessionmaker: async_sessionmaker[AsyncSession], dialect: str,
               reader: PointReader) -> VectorStore:
    if settings.vector_db == WEAVIATE:
        from data.vectors.weaviate import WeaviateStore  # its client is heavy to import
        return WeaviateStore(settings.weaviate)

    def build() -> VectorStore:
        from data.vectors.embedded import EmbeddedStore
        return EmbeddedStore(sessionmaker, write_sessionmaker, dialect, reader)
    return LazyStore(build)


def __getattr__(name: str) -> Any:
    if name == "EmbeddedStore":  # imported where it is used, for the same reason
        from data.vectors.embedded import EmbeddedStore
        return EmbeddedStore
    raise AttributeError(name)


__all__ = ["DimensionMismatch", "EmbeddedStore", "GetResult", "Item", "LazyStore",
           "SearchResult", "StoreUnavailable", "VectorStore", "VectorStoreError",
           "make_store"]
