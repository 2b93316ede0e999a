"""One chat and a window of its messages, read in one statement.

`chat(id:) { ... messages { ... } }` needs the chat's summary (to check who may read
it) and one window of its messages. Read one after the other, that is two round trips
through the session and the driver, a third of such a request's statements; here the
window statement (data/repos/messages.py) is joined to the chat's row, so the database
answers both at once. Messages of a chat the caller may not read are read and dropped
by the resolver, which refuses the chat as before: reading has no side effects.

In a read unit of work the statement runs straight on the driver
(data/repos/driver.py).
"""

from __future__ import annotations

import functools
from collections.abc import Collection

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.repos.chats import SUMMARY, ChatSummary, summary_of_record
from data.repos.driver import Reader, driver_rows
from data.repos.messages import (
    MessageWindow,
    WindowPage,
    fields_class,
    read_columns,
    window_params,
    window_statement,
)
from data.repos.rows import core_rows
from data.tables import ChatRow

_SUMMARY_WIDTH = len(SUMMARY)


def _summary(row) -> ChatSummary:
    return ChatSummary._make(row[:_SUMMARY_WIDTH])


@functools.cache
def _statement(scope: str, from_end: bool, keys: tuple[str, ...], postgres: bool = False):
    """Built once per shape, with bind parameters, as the window statement is."""
    window = window_statement(scope, from_end, keys, postgres,
                              lambda column: column == bindparam("chat_id"))
    window = window.subquery("message_window")
    # By position: a message column may share a name with the window's own chat_id.
    chat_id, position, total, *messages = window.c
    return (select(*SUMMARY, position, total, *messages)
            .select_from(ChatRow)
            .outerjoin(window, chat_id == ChatRow.id)
            .where(ChatRow.id == bindparam("chat_id"))
            .order_by(position))


async def chat_with_window(session: AsyncSession, chat_id: str, window: MessageWindow, *,
                           columns: Collection[str] | None = None,
                           reader: Reader | None = None
                           ) -> tuple[ChatSummary | None, WindowPage]:
    """The chat's summary (None when there is no such chat) and the window of its
    messages, as MessageRepo.windows would give it for this one chat. With a `reader`
    (data/repos/driver.py: only for a read unit of work), through it."""
    keys = read_columns(columns)
    params = {"chat_id": chat_id, **window_params(window)}
    stmt = _statement(window.scope, window.from_end, keys,
                      session.bind.dialect.name == "postgresql")
    if reader is not None:
        rows = await driver_rows(reader, stmt, **params)
    else:
        rows = await core_rows(session, stmt, params)
    if not rows:
        return None, WindowPage()
    page, make = WindowPage(), fields_class(keys)
    for row in rows:
        page.add(row[_SUMMARY_WIDTH], row[_SUMMARY_WIDTH + 1], row[_SUMMARY_WIDTH + 2:], make)
    return (summary_of_record if reader is not None else _summary)(rows[0]), page
