"""A page of chats and one window of messages for each, in one statement.

`chats(first: 50) { nodes { ... messages(first: 5) { ... } } }` needs the page and, for
its chats, one window each. Read one after the other, that is two round trips, each a
write to the database's socket and a wake-up of its backend, which on this machine cost
the server as much as building the window's fifty messages. Here the page is a CTE and
the window statement (data/repos/messages.py) reads the chats it lists, so the database
answers both at once: the page's summaries, then the windows' rows.

Only pages of the usual shape (no tag or text filter, whose statements are built per
request) are read this way; the statement is built once per listing shape and window.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from data.repos.chats import ORDERABLE, ChatListing, ChatRepo, ChatSummary, summary_of_record
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

_STATEMENTS: dict[tuple, object] = {}
_WINDOW = 1 + len(ChatSummary._fields)  # where a row's window columns start


def reads_in_one(listing: ChatListing) -> bool:
    """Whether this listing's page can be read with its windows (page_with_windows)."""
    return listing.tag_id is None and listing.text is None


def _statement(repo: ChatRepo, listing: ChatListing, limited: bool, window: MessageWindow,
               keys: tuple[str, ...]):
    """The page's summaries (kind 0, in the page's order) then the windows' rows (kind 1,
    by chat and position), as one UNION ALL: joined instead, SQLite scans every window
    row for every chat of the page (10 ms for 50 chats with five messages each)."""
    key = (repo.dialect, replace(listing, user_id=""), limited, window.scope,
           window.from_end, keys)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        page = repo.page_statement(listing, limited).cte("page")
        windows = window_statement(
            window.scope, window.from_end, keys, repo.dialect == "postgresql",
            lambda column: column.in_(select(page.c.id))).subquery("message_window")
        # By position: a message column may share a name with the window's own chat_id.
        chat_id, *window_columns = windows.c
        summaries = select(literal(0).label("kind"), *page.c,
                           *(null().label(f"window_{i}") for i in range(len(window_columns))))
        rows = select(literal(1), chat_id, *(null() for _ in page.c[1:]), *window_columns)
        both = union_all(summaries, rows)
        kind, column = both.selected_columns.kind, both.selected_columns[
            listing.order_by if listing.order_by in ORDERABLE else "updated_at"]
        chat, position = both.selected_columns.id, both.selected_columns.window_0
        order = ((column.desc(), chat.desc()) if listing.descending
                 else (column.asc(), chat.asc()))
        stmt = _STATEMENTS[key] = both.order_by(kind, *order, position)
    return stmt


def _split(rows, keys: tuple[str, ...], driver: bool
           ) -> tuple[list[ChatSummary], dict[str, WindowPage]]:
    make, summaries, pages = fields_class(keys), [], {}
    summary_of = summary_of_record if driver else ChatSummary._make
    for row in rows:
        if row[0] == 0:
            summaries.append(summary_of(row[1:_WINDOW]))
            pages[row[1]] = WindowPage()
            continue
        at, count, *columns = row[_WINDOW:]
        pages[row[1]].add(at, count, columns, make)
    return summaries, pages


async def page_with_windows(session: AsyncSession, listing: ChatListing, *, offset: int,
                            limit: int | None, window: MessageWindow,
                            columns: Collection[str] | None = None,
                            reader: Reader | None = None
                            ) -> tuple[list[ChatSummary], dict[str, WindowPage]]:
    """ChatRepo.page and MessageRepo.windows of its chats, in one statement (a listing
    for which reads_in_one holds); with a `reader` (data/repos/driver.py), through it."""
    repo, keys = ChatRepo(session), read_columns(columns)
    stmt = _statement(repo, listing, limit is not None, window, keys)
    params = {"user_id": listing.user_id, "offset": offset, **window_params(window)}
    if limit is not None:
        params["limit"] = limit
    if reader is not None:
        rows = await driver_rows(reader, stmt, offload=True, **params)
    else:
        rows = await core_rows(session, stmt, params)
    return _split(rows, keys, driver=reader is not None)
