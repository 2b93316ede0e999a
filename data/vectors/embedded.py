"""The embedded default vector store: items in Parley's own tables of the database it
already uses (SQLite or PostgreSQL), searched exactly, in process, with numpy.

Every write is one transaction that also bumps the collection's version: a failed write
leaves nothing behind, and every instance on the database sees its matrix is stale
(data/vectors/matrix.py). Keyword search uses the database's full-text index.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import JSON, bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from data.point_reads import PointReader, json_value
from data.vectors.base import (
    DimensionMismatch,
    GetResult,
    Item,
    SearchResult,
    VectorStoreError,
    check_filter,
    check_items,
    check_limit,
    check_name,
    check_vector,
)
from data.vectors.matrix import FLOAT, MatrixCache, as_bytes, compute, normalised
from data.vectors.sql import filter_sql, keyword_sql, query_words

BATCH = 1000  # rows per INSERT statement


class EmbeddedStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession],
                 write_sessionmaker: async_sessionmaker[AsyncSession], dialect: str,
                 reader: PointReader):
        self._read, self._write = sessionmaker, write_sessionmaker
        self.dialect = dialect
        # A search's hot path (the version check, the top rows) goes through the point
        # reader: a session per search cost more than the matrix product over 100k rows.
        self.reader = reader
        self.cache = MatrixCache()

    async def close(self) -> None:
        self.cache.forget()

    # ---- collections -------------------------------------------------------------------

    async def has_collection(self, name: str) -> bool:
        async with self._read() as session:
            return await self._collection(session, check_name(name)) is not None

    async def delete_collection(self, name: str) -> None:
        check_name(name)
        async with self._write() as session:
            await session.execute(text("DELETE FROM parley_vector_chunk WHERE collection = :n"),
                                  {"n": name})
            await session.execute(
                text("DELETE FROM parley_vector_collection WHERE name = :n"), {"n": name})
            await session.commit()
        self.cache.forget(name)

    async def reset(self) -> None:
        async with self._write() as session:
            await session.execute(text("DELETE FROM parley_vector_chunk"))
            await session.execute(text("DELETE FROM parley_vector_collection"))
            await session.commit()
        self.cache.forget()

    # ---- writes ------------------------------------------------------------------------

    async def insert(self, name: str, items: Sequence[Item]) -> None:
        """Add items; an id the collection already holds is an error (nothing is added)."""
        await self._add(name, items, replace=False)

    async def upsert(self, name: str, items: Sequence[Item]) -> None:
        """Add items, replacing those with the same ids."""
        await self._add(name, items, replace=True)

    async def _add(self, name: str, items: Sequence[Item], *, replace: bool) -> None:
        check_name(name)
        checked = check_items(items, None)
        if not checked:
            return
        async with self._write() as session:
            dimension = await self._lock_collection(session, name)
            if dimension is not None and dimension != checked[0].vector.size:
                raise DimensionMismatch(f"This collection's vectors have {dimension} "
                                        f"dimensions, not {checked[0].vector.size}.")
            ids = [item.id for item in checked]
            if replace:
                await self._delete_ids(session, name, ids)
            statement = text("INSERT INTO parley_vector_chunk (collection, id, text, vector, "
                             "metadata) VALUES (:c, :id, :t, :v, :m)").bindparams(
                bindparam("m", type_=JSON()))
            try:
                # Rows made one batch at a time: a large file's all at once doubled the
                # memory its vectors take.
                for start in range(0, len(checked), BATCH):
                    await session.execute(statement, [
                        {"c": name, "id": i.id, "t": i.text, "v": as_bytes(i.vector),
                         "m": i.metadata} for i in checked[start:start + BATCH]])
            except IntegrityError:
                raise VectorStoreError("The collection already holds an item with one of "
                                       "these ids; nothing was added.") from None
            await self._bump(session, name, checked[0].vector.size)
            await session.commit()

    async def delete(self, name: str, *, ids: Sequence[str] | None = None,
                     filter: Mapping[str, Any] | None = None) -> None:
        """Delete the items with these ids, or matching this metadata filter."""
        check_name(name)
        wanted = check_filter(filter)
        if ids is None and not wanted:
            raise VectorStoreError("Say which items to delete: ids or a filter.")
        async with self._write() as session:
            if await self._lock_collection(session, name, create=False) is False:
                return
            if ids is not None:
                await self._delete_ids(session, name, [str(i) for i in ids])
            if wanted:
                clause, params = filter_sql(self.dialect, wanted, "c")
                await session.execute(text(
                    "DELETE FROM parley_vector_chunk WHERE pk IN (SELECT c.pk FROM "
                    f"parley_vector_chunk c WHERE c.collection = :n{clause})"),
                    {"n": name, **params})
            await self._bump(session, name, None)
            await session.commit()

    # ---- reads -------------------------------------------------------------------------

    async def search(self, name: str, vectors: Sequence[Sequence[float]], *, limit: int,
                     filter: Mapping[str, Any] | None = None) -> SearchResult | None:
        """The `limit` items nearest each query vector (cosine), best first; None if there
        is no such collection."""
        check_name(name)
        check_limit(limit)
        wanted = check_filter(filter)
        if isinstance(vectors, str | bytes) or not isinstance(vectors, Sequence) \
                or not vectors:
            raise VectorStoreError("vectors must be a non-empty list of vectors.")
        matrix = await self.cache.matrix(self.reader, self._read, name)
        if matrix is None:
            return None
        dimension = matrix.dimension or None
        queries = normalised(np.array([check_vector(v, dimension) for v in vectors],
                                      dtype=FLOAT))
        rows = None
        if wanted:
            async with self._read() as session:
                allowed = await self._pks(session, name, wanted)
            rows = np.flatnonzero(np.isin(matrix.pks, allowed))
        picks: list[list[tuple[int, float]]] = [[] for _ in vectors]
        if len(matrix.pks) and (rows is None or len(rows)):
            similarity = await compute(matrix, queries, rows)
            for n, column in enumerate(similarity.T):
                top = _top(column, limit)
                indexes = top if rows is None else rows[top]
                picks[n] = list(zip(matrix.pks[indexes].tolist(),
                                    ((1 + column[top]) / 2).tolist(), strict=True))
        return await self._result(picks)

    async def keyword_search(self, name: str, query: str, *, limit: int,
                             filter: Mapping[str, Any] | None = None) -> SearchResult | None:
        """Items holding any word of `query`, ranked by the database's full-text score
        (higher is better; not comparable with vector scores)."""
        check_name(name)
        check_limit(limit)
        wanted = check_filter(filter)
        async with self._read() as session:
            if await self._collection(session, name) is None:
                return None
            words = query_words(query)
            if not words:
                return SearchResult([[]], [[]], [[]], [[]])
            clause, params = filter_sql(self.dialect, wanted, "c")
            sql, more = keyword_sql(self.dialect, words, clause, limit)
            found = (await session.execute(text(sql), {"collection": name, **params, **more}
                                           )).all()
        return await self._result([[(pk, float(score)) for pk, score in found]])

    async def vectors(self, name: str, ids: Sequence[str]) -> dict[str, list[float]]:
        check_name(name)
        if not ids:
            return {}
        async with self._read() as session:
            found = await session.execute(
                text("SELECT id, vector FROM parley_vector_chunk WHERE collection = :n "
                     "AND id IN :ids").bindparams(bindparam("ids", expanding=True)),
                {"n": name, "ids": list(ids)})
            return {i: np.frombuffer(v, dtype=FLOAT).tolist() for i, v in found}

    async def query(self, name: str, filter: Mapping[str, Any], *,
                    limit: int | None = None) -> GetResult | None:
        """Items whose metadata matches the filter, in insertion order."""
        check_name(name)
        wanted = check_filter(filter)
        if limit is not None:
            check_limit(limit)
        clause, params = filter_sql(self.dialect, wanted, "c")
        tail = "" if limit is None else f" LIMIT {limit}"
        async with self._read() as session:
            if await self._collection(session, name) is None:
                return None
            found = (await session.execute(text(
                "SELECT c.id, c.text, c.metadata FROM parley_vector_chunk c "
                f"WHERE c.collection = :n{clause} ORDER BY c.pk{tail}"),
                {"n": name, **params})).all()
        return GetResult([[r[0] for r in found]], [[r[1] for r in found]],
                         [[_meta(r[2]) for r in found]])

    async def get(self, name: str) -> GetResult | None:
        return await self.query(name, {})

    # ---- helpers -----------------------------------------------------------------------

    async def _collection(self, session: AsyncSession, name: str) -> Any:
        return (await session.execute(
            text("SELECT name FROM parley_vector_collection WHERE name = :n"), {"n": name}
        )).first()

    async def _lock_collection(self, session: AsyncSession, name: str, *,
                               create: bool = True) -> int | None | bool:
        """Lock the collection's row for this write (made if `create`); its dimension,
        or False when it does not exist and was not made."""
        lock = " FOR UPDATE" if self.dialect == "postgresql" else ""
        select = text(f"SELECT dimension FROM parley_vector_collection WHERE name = :n{lock}")
        row = (await session.execute(select, {"n": name})).first()
        if row is None:
            if not create:
                return False
            await session.execute(text(
                "INSERT INTO parley_vector_collection (name, version, created_at) "
                "VALUES (:n, 0, :t) ON CONFLICT (name) DO NOTHING"),
                {"n": name, "t": int(time.time())})
            row = (await session.execute(select, {"n": name})).first()
        return row[0]

    async def _bump(self, session: AsyncSession, name: str, dimension: int | None) -> None:
        await session.execute(text(
            "UPDATE parley_vector_collection SET version = version + 1, "
            "dimension = COALESCE(dimension, :d) WHERE name = :n"), {"n": name, "d": dimension})

    async def _delete_ids(self, session: AsyncSession, name: str, ids: list[str]) -> None:
        statement = text("DELETE FROM parley_vector_chunk WHERE collection = :n AND id IN :ids"
                         ).bindparams(bindparam("ids", expanding=True))
        for start in range(0, len(ids), BATCH):
            await session.execute(statement, {"n": name, "ids": ids[start:start + BATCH]})

    async def _pks(self, session: AsyncSession, name: str,
                   wanted: dict[str, tuple[Any, ...]]) -> np.ndarray:
        clause, params = filter_sql(self.dialect, wanted, "c")
        found = await session.execute(text(
            f"SELECT c.pk FROM parley_vector_chunk c WHERE c.collection = :n{clause}"),
            {"n": name, **params})
        return np.fromiter((r[0] for r in found), dtype=np.int64)

    async def _result(self, picks: list[list[tuple[int, float]]]) -> SearchResult:
        """The rows behind (pk, score) picks, one list per query; rows deleted since the
        matrix was read drop out."""
        wanted = sorted({pk for pick in picks for pk, _ in pick})
        rows: dict[int, Any] = {}
        for start in range(0, len(wanted), BATCH):
            part = wanted[start:start + BATCH]
            marks = ", ".join(f"${n}" for n in range(1, len(part) + 1))
            found = await self.reader.all(
                "SELECT pk, id, text, metadata FROM parley_vector_chunk "
                f"WHERE pk IN ({marks})", *part)
            rows.update({r["pk"]: r for r in found})
        out = SearchResult([], [], [], [])
        for pick in picks:
            kept = [(rows[pk], score) for pk, score in pick if pk in rows]
            out.ids.append([r["id"] for r, _ in kept])
            out.documents.append([r["text"] for r, _ in kept])
            out.metadatas.append([_meta(r["metadata"]) for r, _ in kept])
            out.distances.append([score for _, score in kept])
        return out


def _top(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indexes of the `limit` highest scores, highest first."""
    if limit < len(scores):
        part = np.argpartition(-scores, limit - 1)[:limit]
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")


def _meta(value: Any) -> dict[str, Any]:
    value = json_value(value)
    return value if isinstance(value, dict) else {}
