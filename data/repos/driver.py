"""SQLAlchemy statements run straight on asyncpg, for the larger reads of a page.

A read unit of work on PostgreSQL runs without a transaction (data/db.py), so its reads
may as well run on the point reader's asyncpg pool (data/point_reads.py), which every
request already uses for its identity check. A session, its connection checkout and
SQLAlchemy's execution and result layers cost several times what asyncpg's prepared
statement does: on a page of 50 chats with five messages each, a quarter of the request.

The SQL stays SQLAlchemy's own: a statement built once with bind parameters is compiled
once for asyncpg, and each request only supplies its values, so both paths run the same
query and read the same columns. A list of values goes in one array parameter
(`= ANY($1)`, see `any_of`), not an expanded `IN ($1, $2, ...)`, so that one prepared
statement serves every page size.

Use it for reads whose statement is fixed (built by a cached function) and whose rows are
read by position; keep the session for writes and for reads inside a unit of work that
writes (the pool does not see its uncommitted rows). For example:

    @functools.cache
    def _page_statement():
        return select(T.id, T.name).where(any_of(T.owner_id, "owner_ids"))

    rows = await driver_rows(reader, _page_statement(), owner_ids=["u1", "u2"])
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ARRAY, Text, any_, bindparam
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from data.point_reads import PostgresReader

_DIALECT = asyncpg_dialect()


def any_of(column, name: str):
    """`column = ANY(:name)`, for a list of text values (PostgreSQL only)."""
    return column == any_(bindparam(name, type_=ARRAY(Text)))


@functools.cache
def _compiled(stmt) -> tuple[str, tuple[tuple[str | None, Any], ...]]:
    """The statement as asyncpg runs it: its `$n` text, and per position either the name
    of a value each call supplies or (None, the statement's own constant)."""
    compiled = stmt.compile(dialect=_DIALECT)
    slots = tuple((name, None) if compiled.binds[name].required
                  else (None, compiled.binds[name].effective_value)
                  for name in compiled.positiontup)
    return compiled.string, slots


async def driver_rows(reader: PostgresReader, stmt, **values: Any) -> list:
    """The rows of `stmt` (a statement built once, see the module docstring) with these
    bind values, as asyncpg records (tuples by position)."""
    sql, slots = _compiled(stmt)
    return await reader.records(sql, *(values[name] if name else constant
                                       for name, constant in slots))


def direct_reader(reader: object, writes: bool) -> PostgresReader | None:
    """The reader to run a read on, or None to use the session: only a PostgreSQL
    reader, and only in a unit of work that has written nothing (it sees committed rows
    only)."""
    return reader if isinstance(reader, PostgresReader) and not writes else None
