"""Messages: the `chat_message` rows, one per node of a chat's tree.

Every read here is indexed and batched over many chats at once, so a page of chats with a
page of messages each costs the same few statements whatever the page size, and no read
ever parses a chat's JSON tree.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    JSON,
    BigInteger,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from data.point_reads import PostgresReader
from data.repos.driver import Reader, any_of, driver_rows
from data.repos.rows import core_rows, stored_json
from data.tables import ChatMessageRow, ChatRow

# Walking a branch stops after this many steps, so a cycle written by another program
# cannot loop forever; no chat may hold more messages than this (see resolvers).
MAX_BRANCH_STEPS = 10_000
# Rows per INSERT: stays under SQLite's and asyncpg's bind-parameter limits.
_UPSERT_CHUNK = 200
_KEEP_ON_UPDATE = {"id", "chat_id", "created_at"}
MESSAGES = ChatMessageRow.__table__
MESSAGE_COLUMNS = tuple(MESSAGES.columns)
_JSON_KEYS = frozenset(c.key for c in MESSAGE_COLUMNS if isinstance(c.type, JSON))
# JSON columns come back as their stored text (cast in SQL, so neither asyncpg's codec
# nor SQLAlchemy's result processor decodes them) and are decoded on first read.
_READ_COLUMNS = tuple(cast(c, Text).label(c.key) if c.key in _JSON_KEYS else c
                      for c in MESSAGE_COLUMNS)


class MessageFields:
    """A message as pages read it: its columns, read like a ChatMessageRow, never written
    through (building and tracking ORM objects cost more than reading the rows). A JSON
    column is decoded when first read, as SQLAlchemy would (json.loads), so a page whose
    readers ask for `content` alone does not decode the eight others. A page read for
    some columns only (`windows(..., columns=)`) has no attribute for the others."""

    __slots__ = ("_decoded", "_values")
    KEYS = tuple(column.key for column in MESSAGE_COLUMNS)

    def __init__(self, values: Sequence) -> None:
        self._values = values
        self._decoded: dict[str, object] = {}


def _plain(index: int):
    return property(lambda self: self._values[index])


def _decoded(index: int, key: str):
    def read(self):
        try:
            return self._decoded[key]
        except KeyError:
            stored = self._values[index]
            value = self._decoded[key] = None if stored is None else stored_json(stored)
            return value
    return property(read)


@functools.cache
def fields_class(keys: tuple[str, ...]) -> type[MessageFields]:
    """MessageFields for rows of these columns, in this order."""
    attributes = {key: _decoded(index, key) if key in _JSON_KEYS else _plain(index)
                  for index, key in enumerate(keys)}
    return type("MessageFields", (MessageFields,), {"__slots__": (), **attributes})


def read_columns(wanted: Collection[str] | None) -> tuple[str, ...]:
    """The columns to read for these attributes (None: all), in the table's order; the
    id always, first (a window's rows tell a message from a chat's bare total by it)."""
    if wanted is None:
        return MessageFields.KEYS
    wanted = {"id", *wanted}
    unknown = wanted - set(MessageFields.KEYS)
    if unknown:
        raise ValueError(f"no such message columns: {sorted(unknown)}")
    return tuple(key for key in MessageFields.KEYS if key in wanted)


@dataclass(frozen=True)
class MessageWindow:
    """A slice of a chat's messages: along the current branch (root to current message)
    or the whole tree (by creation time), `limit` items after skipping `skip` from the
    start, or from the end when `from_end`."""

    scope: str = "branch"
    from_end: bool = False
    skip: int = 0
    limit: int = 50


@dataclass
class WindowPage:
    rows: list[MessageFields] = field(default_factory=list)
    start: int = 0  # position of rows[0] in the whole list
    total: int = 0

    def add(self, position: int, total: int | None, columns: Sequence, make) -> None:
        """One row a window statement gave for this chat: its total (None when the chat
        has no message at all) and, unless the row only reports the total (the message
        id, `columns[0]`, is None outside the window), a message built by `make`."""
        self.total = total or 0
        if columns[0] is not None:
            if not self.rows:
                self.start = position
            self.rows.append(make(columns))


class MessageRepo:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.dialect = session.bind.dialect.name

    async def windows(self, chat_ids: Sequence[str], window: MessageWindow, *,
                      columns: Collection[str] | None = None,
                      reader: Reader | None = None) -> dict[str, WindowPage]:
        """One statement for every chat: each chat's page, with its total. With
        `columns`, its rows hold those columns only (a page of 250 messages decodes a
        third of the bytes when a query asks for their id, role and content). With a
        `reader` (data/repos/driver.py: a read unit of work on PostgreSQL), through it."""
        pages = {chat_id: WindowPage() for chat_id in chat_ids}
        if not chat_ids:
            return pages
        keys = read_columns(columns)
        params = {"chat_ids": list(chat_ids), **window_params(window)}
        stmt = _window_statement(window.scope, window.from_end, keys,
                                 self.dialect == "postgresql")
        if isinstance(reader, PostgresReader):  # (SQLite's reader takes no lists)
            rows = await driver_rows(reader, stmt, **params)
        else:
            rows = await core_rows(self.session, stmt, params)
        make = fields_class(keys)
        for chat_id, at, count, *columns in rows:
            pages[chat_id].add(at, count, columns, make)
        return pages

    async def by_ids(self, row_ids: Sequence[str]) -> Sequence[ChatMessageRow]:
        if not row_ids:
            return []
        stmt = (select(ChatMessageRow).where(ChatMessageRow.id.in_(list(row_ids)))
                .execution_options(populate_existing=True))
        return (await self.session.execute(stmt)).scalars().all()

    async def children(self, parents: Sequence[tuple[str, str]]) -> Sequence[ChatMessageRow]:
        """Rows whose (chat_id, parent_id) is one of `parents`, oldest first."""
        if not parents:
            return []
        stmt = (select(ChatMessageRow)
                .where(tuple_(ChatMessageRow.chat_id, ChatMessageRow.parent_id)
                       .in_(list(parents)))
                .order_by(ChatMessageRow.created_at, ChatMessageRow.id)
                .execution_options(populate_existing=True))
        return (await self.session.execute(stmt)).scalars().all()

    async def upsert(self, rows: Sequence[dict]) -> None:
        """Insert rows, or update the ones that exist (their creation time stays)."""
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        for at in range(0, len(rows), _UPSERT_CHUNK):
            stmt = insert(ChatMessageRow).values(list(rows[at:at + _UPSERT_CHUNK]))
            changed = {c.name: stmt.excluded[c.name] for c in ChatMessageRow.__table__.columns
                       if c.name not in _KEEP_ON_UPDATE}
            await self.session.execute(
                stmt.on_conflict_do_update(index_elements=["id"], set_=changed))

    async def delete(self, row_ids: Sequence[str]) -> None:
        for at in range(0, len(row_ids), _UPSERT_CHUNK):
            chunk = list(row_ids[at:at + _UPSERT_CHUNK])
            await self.session.execute(delete(ChatMessageRow).where(ChatMessageRow.id.in_(chunk)))

    async def count_for_chat(self, chat_id: str) -> int:
        stmt = select(func.count()).select_from(ChatMessageRow).where(
            ChatMessageRow.chat_id == chat_id)
        return (await self.session.execute(stmt)).scalar_one()


# --- the window statement ---
# Built once per (scope, from_end) with bind parameters, so a request pays neither for
# constructing the recursive query nor for SQLAlchemy's cache key (memoised on the
# statement object) and compilation (cached per dialect): that was 40% of `chat(id:)`.


@functools.cache
def _window_statement(scope: str, from_end: bool, keys: tuple[str, ...],
                      postgres: bool = False):
    """`chat_ids` is a list: bound as expanding `IN (...)`, or on PostgreSQL as one
    array (data/repos/driver.py), whose statement walks branches its own way (_branch)."""
    def of_chats(column):
        return any_of(column, "chat_ids") if postgres else column.in_(
            bindparam("chat_ids", expanding=True))
    return window_statement(scope, from_end, keys, postgres, of_chats)


def window_params(window: MessageWindow) -> dict[str, int]:
    """The bind values of a window statement for this window."""
    return {"window_skip": window.skip, "window_limit": window.limit}


def window_statement(scope: str, from_end: bool, keys: tuple[str, ...], postgres: bool,
                     of_chats):
    """The windows of the chats `of_chats(column)` selects (a condition on a chat id
    column): per chat, its first row and the window's rows, each with the message's
    position and the chat's total. Build it once per shape (it has bind parameters
    `skip` and `limit`), as _window_statement and data/repos/chat_pages.py do."""
    numbered = _branch(of_chats, postgres) if scope == "branch" else _tree(of_chats)
    position, total = numbered.c.position, numbered.c.total
    skip = bindparam("window_skip", type_=BigInteger)
    limit = bindparam("window_limit", type_=BigInteger)
    if from_end:
        wanted = and_(position >= total - skip - limit, position < total - skip)
    else:
        wanted = and_(position >= skip, position < skip + limit)
    # Each chat's first row is always returned, with or without its message, so that
    # a chat whose window is empty still reports its total. Plain columns, not ORM
    # objects: nothing read here is written back.
    columns = [column for column in _READ_COLUMNS if column.key in keys]
    return (select(numbered.c.chat_id, position, total, *columns)
            .select_from(numbered)
            .outerjoin(MESSAGES, and_(MESSAGES.c.id == numbered.c.row_id, wanted))
            .where(or_(wanted, position == 0))
            .order_by(numbered.c.chat_id, position))


def _branch(of_chats, postgres: bool):
    """Root-to-current path of each chat, walked up from the current message through
    parent links, a primary-key lookup per step. A chat without a valid current message
    falls back to its newest message, as Open WebUI repairs it.

    On PostgreSQL each step is a LATERAL lookup: given the table's statistics, the
    planner otherwise hashes all of `chat_message` for the walk (7 ms for a page of 50
    chats among 4,000 messages, and growing with the table) where the lookups take a
    fraction of that. (SQLite has no LATERAL, and looks each step up by key anyway.)"""
    stored, any_row = aliased(ChatMessageRow), aliased(ChatMessageRow)
    current = (select(stored.id)
               .where(stored.id == ChatRow.id + "-" + ChatRow.current_message_id)
               .correlate(ChatRow).scalar_subquery())
    newest = (select(any_row.id).where(any_row.chat_id == ChatRow.id)
              .order_by(any_row.created_at.desc(), any_row.id.desc())
              .limit(1).correlate(ChatRow).scalar_subquery())
    last_id = func.coalesce(current, newest)
    if postgres:
        last = (select(MESSAGES.c.id, MESSAGES.c.parent_id).where(MESSAGES.c.id == last_id)
                .limit(1).lateral("last"))
        joined = ChatRow.__table__.join(last, true())
    else:
        last = MESSAGES
        joined = ChatRow.__table__.join(last, last.c.id == last_id)
    anchor = (select(ChatRow.id.label("chat_id"), last.c.id.label("row_id"),
                     last.c.parent_id.label("parent_id"), literal(0).label("depth"))
              .select_from(joined).where(of_chats(ChatRow.id)))
    walk = anchor.cte("branch", recursive=True)
    parent_key = walk.c.chat_id + "-" + walk.c.parent_id
    if postgres:
        parent = (select(MESSAGES.c.id, MESSAGES.c.parent_id)
                  .where(MESSAGES.c.id == parent_key).limit(1).lateral("parent"))
        step = select(walk.c.chat_id, parent.c.id, parent.c.parent_id, walk.c.depth + 1)
    else:
        parent = MESSAGES
        step = (select(walk.c.chat_id, parent.c.id, parent.c.parent_id, walk.c.depth + 1)
                .join(parent, parent.c.id == parent_key))
    walk = walk.union_all(step.where(walk.c.depth < MAX_BRANCH_STEPS))
    total = func.count().over(partition_by=walk.c.chat_id)
    return select(walk.c.chat_id, walk.c.row_id,
                  (total - 1 - walk.c.depth).label("position"),
                  total.label("total")).cte("numbered")


def _tree(of_chats):
    order = (ChatMessageRow.created_at, ChatMessageRow.id)
    rank = func.row_number().over(partition_by=ChatMessageRow.chat_id, order_by=order)
    total = func.count().over(partition_by=ChatMessageRow.chat_id)
    return (select(ChatMessageRow.chat_id, ChatMessageRow.id.label("row_id"),
                   (rank - 1).label("position"), total.label("total"))
            .where(of_chats(ChatMessageRow.chat_id)).cte("numbered"))
