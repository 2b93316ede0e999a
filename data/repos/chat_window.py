"""One chat and a window of its messages, read in one statement.

`chat(id:) { ... messages { ... } }` needs the chat's summary (to check who may read
it) and one window of its messages. Read one after the other, that is two round trips
through the session and the driver, a third of such a request's statements; here the
window statement (data/repos/messages.py) is joined to the chat's row, so the database
answers both at once. Messages of a chat the caller may not read are read and dropped
by the resolver, which refuses the chat as before: reading has no side effects.

On PostgreSQL a read unit of work runs without a transaction (data/db.py), so the
statement may as well run on the point reader's asyncpg pool (data/point_reads.py),
which every request already uses for its identity check: a session, its connection
checkout and SQLAlchemy's execution and result layers cost several times what asyncpg's
prepared statement does. The SQL is SQLAlchemy's own, compiled once per shape for
asyncpg, so both paths run the same query and read the same values (the JSON column
`meta` decoded with json.loads, as SQLAlchemy's JSON type does). SQLite keeps the
session: its point reader runs on the event loop, where a long branch must not.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from data.point_reads import PostgresReader
from data.repos.chats import SUMMARY, ChatSummary
from data.repos.messages import (
    MessageWindow,
    WindowPage,
    _window_statement,
    fields_class,
    read_columns,
)
from data.repos.rows import core_rows
from data.tables import ChatRow

_SUMMARY_WIDTH = len(SUMMARY)
_META = [column.key for column in SUMMARY].index("meta")
# The bind parameters a request sets (the chat id twice: the chat's row and the window's
# `chat_ids`, expanded to one item); all others are the statement's constants.
_PER_REQUEST = {"chat_id": "chat_id", "chat_ids_1": "chat_id", "skip": "skip",
                "limit": "limit"}


@functools.cache
def _statement(scope: str, from_end: bool, keys: tuple[str, ...]):
    """Built once per shape, with bind parameters, as the window statement is."""
    window = _window_statement(scope, from_end, keys).subquery("message_window")
    # By position: a message column may share a name with the window's own chat_id.
    chat_id, position, total, *messages = window.c
    return (select(*SUMMARY, position, total, *messages)
            .select_from(ChatRow)
            .outerjoin(window, chat_id == ChatRow.id)
            .where(ChatRow.id == bindparam("chat_id"))
            .order_by(position))


@functools.cache
def _asyncpg_sql(scope: str, from_end: bool, keys: tuple[str, ...]
                 ) -> tuple[str, tuple[tuple[str | None, object], ...]]:
    """The statement as asyncpg runs it: its `$n` text, and per position either the name
    of a per-request value or (None, the constant)."""
    # (placeholder values: render_postcompile wants some; each request sets its own)
    stmt = _statement(scope, from_end, keys).params(chat_ids=[""], chat_id="", skip=0,
                                                   limit=0)
    compiled = stmt.compile(dialect=asyncpg_dialect(),
                            compile_kwargs={"render_postcompile": True})
    slots = tuple((_PER_REQUEST[name], None) if name in _PER_REQUEST
                  else (None, compiled.binds[name].effective_value)
                  for name in compiled.positiontup)
    return compiled.string, slots


async def _driver_rows(reader: PostgresReader, keys: tuple[str, ...], chat_id: str,
                       window: MessageWindow) -> list:
    sql, slots = _asyncpg_sql(window.scope, window.from_end, keys)
    values = {"chat_id": chat_id, "skip": window.skip, "limit": window.limit}
    rows = await reader.records(sql, *(values[name] if name else constant
                                       for name, constant in slots))
    return [(*row[:_META], None if row[_META] is None else json.loads(row[_META]),
             *row[_META + 1:]) for row in rows]


async def chat_with_window(session: AsyncSession, chat_id: str, window: MessageWindow, *,
                           columns: Collection[str] | None = None, reader: object = None
                           ) -> tuple[ChatSummary | None, WindowPage]:
    """The chat's summary (None when there is no such chat) and the window of its
    messages, as MessageRepo.windows would give it for this one chat. With a PostgreSQL
    `reader` (only for a read unit of work: it sees committed rows only), through it."""
    keys = read_columns(columns)
    if isinstance(reader, PostgresReader):
        rows = await _driver_rows(reader, keys, chat_id, window)
    else:
        stmt = _statement(window.scope, window.from_end, keys)
        params = {"chat_id": chat_id, "chat_ids": [chat_id], "skip": window.skip,
                  "limit": window.limit}
        rows = await core_rows(session, stmt, params)
    page = WindowPage()
    if not rows:
        return None, page
    make = fields_class(keys)
    for row in rows:
        at, count = row[_SUMMARY_WIDTH], row[_SUMMARY_WIDTH + 1]
        values = row[_SUMMARY_WIDTH + 2:]
        page.total = count or 0  # no message at all: the join finds no window row
        if values[0] is not None:  # the message's id: None outside the window
            if not page.rows:
                page.start = at
            page.rows.append(make(values))
    return ChatSummary._make(rows[0][:_SUMMARY_WIDTH]), page
