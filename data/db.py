"""Engine and sessions from a URL: aiosqlite for the embedded default, asyncpg in production."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

WRITE = {"parley_write": True}
UNICODE_LOWER = "parley_lower"
_ACCESS_CHANGED = "parley_access_changed"  # key in session.info


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=20,
        connect_args={"server_settings": {"application_name": "parley"}},
    )


def _sqlite_engine(url: str, echo: bool) -> AsyncEngine:
    engine = create_async_engine(url, echo=echo, pool_size=8, max_overflow=8,
                                 connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # We issue BEGIN ourselves (below), so pysqlite must not; WAL lets readers run
        # beside the one writer; foreign_keys stays off because Open WebUI never enables it
        # and deletes children itself. Memory-mapped reads: a column stored after a large
        # value (a chat's columns after its 10 MB JSON tree) is reached by walking the
        # value's overflow pages, which costs a read() per page without mmap and almost
        # nothing with it (a chat list measured +90% with one 10 MB chat, +7% with mmap).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception as error:
            # Another connection is switching the file to WAL at this moment (instances
            # starting together on a new database); SQLite refuses the second switch at
            # once rather than waiting. The mode belongs to the file, so this connection
            # follows it from its next transaction.
            if "database is locked" not in str(error):
                raise
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.close()
        # SQLite's lower() folds ASCII only; case-insensitive matching of names needs all
        # of Unicode, as PostgreSQL's lower() does.
        dbapi_connection.create_function(UNICODE_LOWER, 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):
        # A write transaction takes the write lock up front. A deferred one that reads and
        # then writes fails with SQLITE_BUSY when another writer committed in between, which
        # is exactly the read-count-then-insert race of the first sign-up.
        immediate = conn.get_execution_options().get("parley_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_sessionmaker(engine: AsyncEngine, *, write: bool = False
                        ) -> async_sessionmaker[AsyncSession]:
    """Sessions of a write sessionmaker begin with the SQLite write lock on their first
    statement; on PostgreSQL the option changes nothing (row locks do the work there).

    Read sessions on PostgreSQL run without BEGIN and ROLLBACK (autocommit): under
    PostgreSQL's default isolation, READ COMMITTED, every statement of a transaction
    takes a snapshot of its own anyway, so a read-only transaction adds nothing but two
    round trips, half of those of a one-page GraphQL query. (A server configured with
    default_transaction_isolation above READ COMMITTED would give a multi-statement read
    one snapshot; Parley's reads do not rely on it, as Open WebUI's do not.) Nothing
    writes through a read session: writers ask for a write unit of work. On SQLite a
    read transaction does hold one snapshot and costs no round trip, so it stays."""
    if write:
        bind = engine.execution_options(**WRITE)
    elif engine.dialect.name == "postgresql":
        bind = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        bind = engine
    return async_sessionmaker(bind, class_=SerialSession, expire_on_commit=False,
                              autoflush=False)


async def begin_read(session: AsyncSession) -> None:
    """Open a transaction on a read session that needs one, before its first statement:
    a server-side cursor (`session.stream`) lives only inside a transaction, which read
    sessions on PostgreSQL do not begin (see create_sessionmaker)."""
    dialect = session.bind.dialect
    if dialect.name == "postgresql":
        # (known once the engine's first connection is made; the server's default else)
        level = getattr(dialect, "default_isolation_level", None) or "READ COMMITTED"
        await session.connection(execution_options={"isolation_level": level})


class SerialSession(AsyncSession):
    """An AsyncSession whose calls take turns.

    One unit of work is one session, but its callers may run concurrently: graphql-core
    resolves a query's root fields (and the items of a list) as concurrent tasks, and
    dataloaders dispatch beside them. An AsyncSession must never run two operations at
    once (SQLAlchemy refuses, or on asyncpg a connection is left checked out inside its
    transaction), so every call that reaches the database waits for the one before it.
    Streaming results (`stream`) would hold the connection past the call: use `execute`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = asyncio.Lock()


def _in_turn(name: str) -> Callable[..., Any]:
    # AsyncSession's method is looked up at each call, so whatever replaces it later (a
    # test's failing commit) is what runs.
    @functools.wraps(getattr(AsyncSession, name))
    async def in_turn(self: SerialSession, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await getattr(AsyncSession, name)(self, *args, **kwargs)
    return in_turn


# `aclose` and `__aexit__` call `close`, so they take their turn through it.
for _name in ("execute", "scalar", "scalars", "get", "get_one", "merge", "merge_all",
              "delete", "delete_all", "flush", "refresh", "commit", "rollback", "close",
              "invalidate", "reset", "connection", "run_sync"):
    setattr(SerialSession, _name, _in_turn(_name))


def note_access_change(session: AsyncSession, user_id: str) -> None:
    """Record that this session changed what `user_id`'s credentials allow (a sign-in
    state or a role). Repositories that write those note it; the unit of work tells
    open connections once the change is committed."""
    session.info.setdefault(_ACCESS_CHANGED, set()).add(user_id)


def access_changes(session: AsyncSession) -> frozenset[str]:
    """The users whose access this session changed, as noted."""
    return frozenset(session.info.get(_ACCESS_CHANGED, ()))
