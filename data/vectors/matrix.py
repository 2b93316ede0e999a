"""Each collection's vectors as one normalised float32 matrix in memory, so a search is
one matrix product. A matrix is labelled with the collection's version as read *before*
loading: a write that lands during the load makes the label stale, never the data
newer than its label, so the next search reloads instead of trusting stale rows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from data.db import begin_read
from data.point_reads import PointReader

FLOAT = np.dtype("<f4")
# Products bigger than this run in a worker thread (numpy lets go of the GIL), so one
# search over a large collection does not stall every other request on the loop.
THREAD_ABOVE = 1_000_000


@dataclass(frozen=True)
class Matrix:
    version: int
    dimension: int
    pks: np.ndarray  # int64, row i of `rows` is chunk pks[i]
    rows: np.ndarray  # float32 (n, dimension), each row of length 1 (or 0)

    def similarities(self, queries: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Cosine of each row (or the given row indexes) with each query: (n, queries)."""
        matrix = self.rows if rows is None else self.rows[rows]
        return matrix @ queries.T


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1, in place; a zero row stays zero (cosine 0 with all).
    einsum makes no squared copy of the matrix, as linalg.norm would."""
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))[:, None]
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def as_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=FLOAT).tobytes()


async def compute(matrix: Matrix, queries: np.ndarray, rows: np.ndarray | None
                  ) -> np.ndarray:
    size = (len(matrix.pks) if rows is None else len(rows)) * matrix.dimension
    if size > THREAD_ABOVE:
        return await asyncio.to_thread(matrix.similarities, queries, rows)
    return matrix.similarities(queries, rows)


class MatrixCache:
    """The matrices of this process, one per collection, checked against the database's
    version counter before each use."""

    def __init__(self) -> None:
        self._matrices: dict[str, Matrix] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    def forget(self, name: str | None = None) -> None:
        if name is None:
            self._matrices.clear()
        else:
            self._matrices.pop(name, None)

    async def matrix(self, reader: PointReader, sessionmaker: async_sessionmaker[AsyncSession],
                     name: str) -> Matrix | None:
        """The collection's matrix, current as of its version now; None if no such
        collection. The version is one point read; a load happens only after a write."""
        row = await reader.one(
            "SELECT version, dimension FROM parley_vector_collection WHERE name = $1", name)
        if row is None:
            self.forget(name)
            return None
        version, dimension = int(row["version"]), int(row["dimension"] or 0)
        cached = self._matrices.get(name)
        if cached is not None and cached.version == version:
            return cached
        lock = self._loading.setdefault(name, asyncio.Lock())
        async with lock:  # concurrent searches after a write share one load
            cached = self._matrices.get(name)
            if cached is not None and cached.version >= version:
                return cached
            async with sessionmaker() as session:
                await begin_read(session)  # _load streams its rows through a cursor
                loaded = await _refresh(session, name, version, dimension, cached)
            self._matrices[name] = loaded
            return loaded


async def _refresh(session: AsyncSession, name: str, version: int, dimension: int,
                   cached: Matrix | None) -> Matrix:
    """After a write: keep the cached rows that still exist and read only the rows added
    since (pks only grow: AUTOINCREMENT on SQLite, an identity on PostgreSQL), so adding
    a file to a large collection does not reread all of it. A row below the cached
    highest pk that the cache lacks (a transaction that committed late) means a full
    load."""
    if cached is None or cached.dimension != dimension or not len(cached.pks):
        return await _load(session, name, version, dimension, after=None)
    found = await session.execute(
        text("SELECT pk FROM parley_vector_chunk WHERE collection = :n ORDER BY pk"),
        {"n": name})
    current = np.array(found.scalars().all(), dtype=np.int64)
    highest = int(cached.pks[-1])
    # Both pk lists are sorted: membership by binary search, no sorting copies.
    older = current[:np.searchsorted(current, highest, side="right")]
    if not _within(older, cached.pks):
        return await _load(session, name, version, dimension, after=None)
    added = await _load(session, name, version, dimension, after=highest)
    if len(older) == len(cached.pks):  # nothing deleted: keep every cached row
        return _appended(cached, added, version)
    keep = _within_mask(cached.pks, older)
    return Matrix(version, dimension, np.concatenate([cached.pks[keep], added.pks]),
                  np.concatenate([cached.rows[keep], added.rows]))


def _appended(cached: Matrix, added: Matrix, version: int) -> Matrix:
    """The cached rows followed by the added ones. Rows go into the spare room of the
    cached arrays when there is some, which no earlier snapshot reads (each sees only
    its first rows); else into new arrays with a quarter more room, which stays
    unresident until written. Copying 150 MB on every added file cost more than
    reading the new rows."""
    count, more = len(cached.pks), len(added.pks)
    pks_room, rows_room = cached.pks.base, cached.rows.base
    if pks_room is None or rows_room is None or len(pks_room) < count + more \
            or len(rows_room) < count + more:
        capacity = (count + more) * 5 // 4 + 16
        pks_room = np.empty(capacity, dtype=np.int64)
        rows_room = np.empty((capacity, cached.rows.shape[1]), dtype=FLOAT)
        pks_room[:count], rows_room[:count] = cached.pks, cached.rows
    pks_room[count:count + more] = added.pks
    rows_room[count:count + more] = added.rows
    return Matrix(version, cached.dimension, pks_room[:count + more],
                  rows_room[:count + more])


def _within_mask(values: np.ndarray, sorted_pool: np.ndarray) -> np.ndarray:
    """For each value, whether the sorted pool holds it."""
    if not len(sorted_pool):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_pool, values), len(sorted_pool) - 1)
    return sorted_pool[at] == values


def _within(values: np.ndarray, sorted_pool: np.ndarray) -> bool:
    return bool(_within_mask(values, sorted_pool).all())


async def _load(session: AsyncSession, name: str, version: int, dimension: int, *,
                after: int | None) -> Matrix:
    """The collection's rows (those with pk > `after`, if given), in pk order."""
    since, params = ("", {"n": name}) if after is None else (" AND pk > :after",
                                                             {"n": name, "after": after})
    count = (await session.execute(
        text(f"SELECT count(*) FROM parley_vector_chunk WHERE collection = :n{since}"),
        params)).scalar_one()
    # Filled in place, row by row as they stream in: no list of 100k byte strings and
    # no second copy of the matrix, so loading peaks near the matrix's own size.
    # A quarter more room for later appends (see _appended): pages never written are
    # never resident, so the room costs no memory until used.
    capacity = count * 5 // 4 + 16
    rows = np.empty((capacity, max(dimension, 1)), dtype=FLOAT)
    pks = np.empty(capacity, dtype=np.int64)
    filled = 0
    result = await session.stream(text(
        f"SELECT pk, vector FROM parley_vector_chunk WHERE collection = :n{since} "
        "ORDER BY pk"), params)
    async for partition in result.partitions(2000):
        for pk, vector in partition:
            if filled == len(pks):  # many rows committed since the count: grow (rare)
                rows = np.concatenate([rows, np.empty_like(rows)])
                pks = np.concatenate([pks, np.empty_like(pks)])
            rows[filled] = np.frombuffer(vector, dtype=FLOAT)
            pks[filled] = pk
            filled += 1
    rows, pks = rows[:filled], pks[:filled]
    return Matrix(version, dimension, pks, normalised(rows))
