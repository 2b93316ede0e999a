"""Vector stores behind one interface (data/vectors/base.py): the embedded default, in
the database Parley already uses, and Weaviate. `make_store` picks one by VECTOR_DB."""

from __future__ import annotations

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
from data.vectors.embedded import EmbeddedStore
from data.vectors.settings import WEAVIATE, VectorSettings


def make_store(settings: VectorSettings, sessionmaker: async_sessionmaker[AsyncSession],
               write_sessionmaker: async_sessionmaker[AsyncSession], dialect: str,
               reader: PointReader) -> VectorStore:
    if settings.vector_db == WEAVIATE:
        from data.vectors.weaviate import WeaviateStore  # its client is heavy to import
        return WeaviateStore(settings.weaviate)
    return EmbeddedStore(sessionmaker, write_sessionmaker, dialect, reader)


__all__ = ["DimensionMismatch", "EmbeddedStore", "GetResult", "Item", "SearchResult",
           "StoreUnavailable", "VectorStore", "VectorStoreError", "make_store"]
