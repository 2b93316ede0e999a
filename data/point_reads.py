"""Point reads for the hot path (every authenticated request), straight on the driver.

A request's identity check is one indexed lookup; through the ORM, an async session, and
(for SQLite) a thread hop per call, it cost ten times what the lookup itself does. These
readers run committed-data reads outside any unit of work:
- SQLite: a read-only connection used synchronously on the event loop. In WAL mode a
  reader never waits for a writer, and a primary-key lookup takes microseconds.
- PostgreSQL: a small asyncpg pool of its own.
SQL is written with `$1`-style parameters (SQLite reads them as numbered `?1`).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import make_url

if TYPE_CHECKING:  # imported by the PostgreSQL reader's first read: SQLite never needs it
    import asyncpg


def json_value(value: Any) -> Any:
    """A JSON column's value: SQLite and asyncpg hand JSON over as text. Text that is not
    JSON (written by hand) reads as None."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


# How long a larger SQLite read may run on the event loop (SqliteReader.records), and
# how many SQLite VM steps pass between checks of the clock.
ON_LOOP_BUDGET = 0.02
_CHECK_EVERY = 10_000


class PointReader(Protocol):
    async def one(self, sql: str, *params: Any) -> Mapping[str, Any] | None: ...
    async def all(self, sql: str, *params: Any) -> Sequence[Mapping[str, Any]]: ...
    async def close(self) -> None: ...


class SqliteReader:
    def __init__(self, path: str):
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._idle: list[sqlite3.Connection] = []  # offloaded reads' connections
        self._opened: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            # Never stall the event loop for long: a busy database raises at once and the
            # caller's request fails cleanly instead of every request waiting.
            conn.execute("PRAGMA busy_timeout=200")
            self._conn = conn
        return self._conn

    async def one(self, sql: str, *params: Any) -> Mapping[str, Any] | None:
        row = self._connection().execute(sql.replace("$", "?"), params).fetchone()
        return dict(row) if row is not None else None

    async def all(self, sql: str, *params: Any) -> Sequence[Mapping[str, Any]]:
        return [dict(r) for r in self._connection().execute(sql.replace("$", "?"), params)]

    async def records(self, sql: str, *params: Any, offload: bool = False) -> list[tuple]:
        """The rows of a larger read (SQL in SQLite's own `?` style, as
        data/repos/driver.py compiles it), as tuples.

        It runs on the event loop while it takes under ON_LOOP_BUDGET seconds (one chat
        with its messages takes well under a millisecond, where the session's four
        thread hops per statement cost more); one that takes longer (very long branches)
        is stopped and run again as an `offload`ed read, so that it never holds up other
        requests for long. An `offload`ed read (a page of chats with their messages, a
        few milliseconds inside SQLite) takes its first step on a worker thread: for a
        sorted result that step is all of SQLite's work, done with the GIL released, so
        the event loop serves other requests on the other core meanwhile. The sorted
        rows are then read back on the event loop: read on the thread as well, they cost
        50% more CPU, because sqlite3 gives up and takes back the GIL for every row and
        waits each time for the event loop's thread to let go of it."""
        if not offload:
            conn, deadline = self._connection(), time.perf_counter() + ON_LOOP_BUDGET
            conn.set_progress_handler(lambda: time.perf_counter() > deadline, _CHECK_EVERY)
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples, as asyncpg's records by position
            try:
                return cursor.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                if str(error) != "interrupted":
                    raise
            finally:
                conn.set_progress_handler(None, 0)
        conn = self._idle.pop() if self._idle else self._open_for_threads()
        try:
            cursor = await asyncio.to_thread(conn.execute, sql, params)
            return cursor.fetchall()
        finally:
            self._idle.append(conn)

    def _open_for_threads(self) -> sqlite3.Connection:
        """A connection of its own for each offloaded read at a time (kept for the next)."""
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        self._opened.append(conn)
        return conn

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._idle.clear()
        while self._opened:
            self._opened.pop().close()


class PostgresReader:
    def __init__(self, dsn: str, max_size: int = 8):
        self.dsn, self.max_size = dsn, max_size
        self._pool: asyncpg.Pool | None = None

    async def _acquire_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            import asyncpg  # ~30 ms and 3 MB a server on SQLite does without

            self._pool = await asyncpg.create_pool(
                self.dsn, min_size=1, max_size=self.max_size, reset=_keep_session,
                server_settings={"application_name": "parley-reads"})
        return self._pool

    async def one(self, sql: str, *params: Any) -> Mapping[str, Any] | None:
        row = await (await self._acquire_pool()).fetchrow(sql, *params)
        return dict(row) if row is not None else None

    async def all(self, sql: str, *params: Any) -> Sequence[Mapping[str, Any]]:
        return [dict(r) for r in await (await self._acquire_pool()).fetch(sql, *params)]

    async def records(self, sql: str, *params: Any) -> list[asyncpg.Record]:
        """The rows as asyncpg gives them (tuples by position), for a larger read."""
        return await (await self._acquire_pool()).fetch(sql, *params)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _keep_session(connection: asyncpg.Connection) -> None:
    """These connections only ever run single read statements: there is no session state
    to reset, so skip asyncpg's reset round trip on every release."""


def create_point_reader(database_url: str) -> PointReader:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return SqliteReader(url.database or ":memory:")
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresReader(dsn)
