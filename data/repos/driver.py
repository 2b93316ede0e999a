"""SQLAlchemy statements run straight on the driver, for the larger reads of a page.

A read unit of work sees committed rows only (on PostgreSQL it runs without a
transaction, data/db.py), so its reads may as well run on the point reader
(data/point_reads.py) that every request already uses for its identity check: asyncpg's
pool, or SQLite's read-only connection. A session, its connection checkout and
SQLAlchemy's execution and result layers cost several times what the driver does (on a
page of 50 chats with five messages each, a quarter of the request); on SQLite each
statement through the session also takes four hops to aiosqlite's thread and back.

The SQL stays SQLAlchemy's own: a statement built once with bind parameters is compiled
once for the driver, and each request only supplies its values, so both paths run the
same query and read the same columns. Values come as the driver gives them: JSON as
text, and on SQLite booleans as 0 and 1. On PostgreSQL a list of values goes in one
array parameter (`= ANY($1)`, see `any_of`), not an expanded `IN ($1, $2, ...)`, so that
one prepared statement serves every page size; SQLite has no arrays, so a statement with
a list of values (an expanding parameter) stays on the session there.

Use it for reads whose statement is fixed (built by a cached function) and whose rows are
read by position; keep the session for writes and for reads inside a unit of work that
writes (the pool does not see its uncommitted rows). For example (data/repos/chat_pages.py
is a real one):

    @functools.cache
    def _page_statement():
        return (select(T.id, T.name).where(T.owner_id == bindparam("owner_id"))
                .order_by(T.name).limit(bindparam("limit", type_=BigInteger)))

    reader = direct_reader(ctx.services.reader, ctx.writes)  # None: use the session
    rows = await driver_rows(reader, _page_statement(), owner_id=viewer.id, limit=50)
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ARRAY, Text, any_, bindparam
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.pysqlite import dialect as sqlite_dialect

from data.point_reads import PostgresReader, SqliteReader

_DIALECTS = {PostgresReader: asyncpg_dialect(), SqliteReader: sqlite_dialect()}
Reader = PostgresReader | SqliteReader


def any_of(column, name: str):
    """`column = ANY(:name)`, for a list of text values (PostgreSQL only)."""
    return column == any_(bindparam(name, type_=ARRAY(Text)))


@functools.cache
def _compiled(stmt, reader_type: type) -> tuple[str, tuple[tuple[str | None, Any], ...]]:
    """The statement as the driver runs it: its text (`$n` or `?` placeholders), and per
    position either the name of a value each call supplies or (None, the statement's own
    constant)."""
    compiled = stmt.compile(dialect=_DIALECTS[reader_type])
    slots = tuple((name, None) if compiled.binds[name].required
                  else (None, compiled.binds[name].effective_value)
                  for name in compiled.positiontup)
    return compiled.string, slots


async def driver_rows(reader: Reader, stmt, *, offload: bool = False, **values: Any
                      ) -> list:
    """The rows of `stmt` (a statement built once, see the module docstring) with these
    bind values, as tuples (asyncpg records) by position. `offload`: a read that takes
    milliseconds inside the database and sorts its result (SqliteReader.records)."""
    sql, slots = _compiled(stmt, type(reader))
    args = (values[name] if name else constant for name, constant in slots)
    if isinstance(reader, SqliteReader):
        return await reader.records(sql, *args, offload=offload)
    return await reader.records(sql, *args)


def direct_reader(reader: object, writes: bool) -> Reader | None:
    """The reader to run a read on, or None to use the session: only in a unit of work
    that has written nothing (the reader sees committed rows only)."""
    return reader if isinstance(reader, Reader) and not writes else None
