"""Chats: the `chat` rows Open WebUI also reads and writes.

Lists never load the `chat` column (the JSON tree, which can hold many megabytes): they
select the summary columns only; a single chat's summary is an ORM row on which reading
`row.chat` raises instead of quietly fetching it.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import (
    BigInteger,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, undefer

from data.repos.driver import Reader, driver_rows
from data.repos.rows import core_rows, stored_json
from data.tables import AccessGrantRow, ChatFileRow, ChatMessageRow, ChatRow, SharedChatRow

SUMMARY = (ChatRow.id, ChatRow.user_id, ChatRow.title, ChatRow.created_at, ChatRow.updated_at,
           ChatRow.share_id, ChatRow.archived, ChatRow.pinned, ChatRow.meta, ChatRow.folder_id,
           ChatRow.current_message_id, ChatRow.last_read_at)
ORDERABLE = {"updated_at", "created_at", "title"}
# Lists answer the SUMMARY columns as named tuples (read like a ChatRow, never written
# through): building ORM objects cost more than the query itself on a page of 200, and
# SQLAlchemy's Row answers each attribute read only after a failed lookup (~0.5 µs),
# which readers of a page of 200 chats pay a dozen times per chat.
ChatSummary = namedtuple("ChatSummary", [column.key for column in SUMMARY])
SHARED_CHAT_GRANT = "shared_chat"
# Statements a list runs on every request, built once with bind parameters: building a
# select of twelve columns and its filters, and SQLAlchemy's cache key for it, cost as
# much CPU as the rest of a 50-chat page (compiled forms are cached per statement).
_BY_IDS = select(*SUMMARY).where(ChatRow.id.in_(bindparam("chat_ids", expanding=True)))
# (dialect, listing without its user, limited) -> the page statement; a search or a tag
# filter is built per request. At most a few hundred shapes: the key has no free text.
_PAGES: dict[tuple, object] = {}


@dataclass(frozen=True)
class ChatListing:
    """Which of one user's chats a list holds, and in what order. None means "either"."""

    user_id: str
    archived: bool | None = False
    pinned: bool | None = None
    in_folder: bool | None = None
    tag_id: str | None = None
    text: str | None = None
    order_by: str = "updated_at"
    descending: bool = True


def like_pattern(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _json_escaped(term: str) -> str:
    """The term as it appears inside a stored JSON string (non-ASCII as \\u escapes, as
    both Open WebUI and SQLAlchemy serialise), so a LIKE over the JSON text finds it."""
    return json.dumps(term)[1:-1]


class ChatRepo:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.dialect = session.bind.dialect.name

    # --- one chat ---

    async def summary(self, chat_id: str) -> ChatRow | None:
        stmt = (select(ChatRow).options(load_only(*SUMMARY, raiseload=True))
                .where(ChatRow.id == chat_id))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def full(self, chat_id: str) -> ChatRow | None:
        stmt = (select(ChatRow).options(undefer("*")).where(ChatRow.id == chat_id)
                .execution_options(populate_existing=True))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def lock(self, chat_id: str) -> tuple[ChatRow, int] | None:
        """The whole row, locked until the transaction ends (SELECT ... FOR UPDATE on
        PostgreSQL; SQLite's write transaction already excludes other writers), with the
        stored tree's size in characters."""
        stmt = (select(ChatRow, func.length(cast(ChatRow.chat, Text)))
                .options(undefer("*")).where(ChatRow.id == chat_id)
                .with_for_update(of=ChatRow)
                .execution_options(populate_existing=True))
        found = (await self.session.execute(stmt)).first()
        return (found[0], found[1] or 0) if found else None

    async def add(self, row: ChatRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def delete(self, chat_id: str) -> None:
        """The chat and everything hanging off it. SQLite runs without foreign keys (as
        Open WebUI does), so children go explicitly."""
        for stmt in (delete(ChatMessageRow).where(ChatMessageRow.chat_id == chat_id),
                     delete(SharedChatRow).where(SharedChatRow.chat_id == chat_id),
                     delete(ChatFileRow).where(ChatFileRow.chat_id == chat_id),
                     delete(AccessGrantRow).where(AccessGrantRow.resource_type ==
                                                  SHARED_CHAT_GRANT,
                                                  AccessGrantRow.resource_id == chat_id),
                     delete(ChatRow).where(ChatRow.id == chat_id)):
            await self.session.execute(stmt)

    # --- many chats ---

    async def by_ids(self, chat_ids: Sequence[str]) -> Sequence[ChatSummary]:
        if not chat_ids:
            return []
        return _summaries(await core_rows(self.session, _BY_IDS,
                                          {"chat_ids": list(chat_ids)}))

    async def page(self, listing: ChatListing, *, offset: int = 0, limit: int | None = None,
                   reader: Reader | None = None) -> Sequence[ChatSummary]:
        """With a `reader` (data/repos/driver.py), a page of the usual shape (no tag or
        text filter: those statements are built per request) is read through it."""
        params = {"user_id": listing.user_id, "offset": offset}
        if limit is not None:
            params["limit"] = limit
        if listing.tag_id is None and listing.text is None:
            key = (self.dialect, replace(listing, user_id=""), limit is not None)
            stmt = _PAGES.get(key)
            if stmt is None:
                stmt = _PAGES[key] = self.page_statement(listing, limit is not None)
            if reader is not None:
                return [summary_of_record(row) for row in await driver_rows(reader, stmt,
                                                                             **params)]
        else:
            stmt = self.page_statement(listing, limit is not None)
        return _summaries(await core_rows(self.session, stmt, params))

    def page_statement(self, listing: ChatListing, limited: bool):
        """A page of the listing's summaries, newest first by default; bind parameters
        `user_id`, `offset` and (when `limited`) `limit`."""
        column = getattr(ChatRow, listing.order_by if listing.order_by in ORDERABLE
                         else "updated_at")
        ordering = ((column.desc(), ChatRow.id.desc()) if listing.descending
                    else (column.asc(), ChatRow.id.asc()))
        stmt = (select(*SUMMARY).where(*self._where(listing, bindparam("user_id")))
                .order_by(*ordering).offset(bindparam("offset", type_=BigInteger)))
        return stmt.limit(bindparam("limit", type_=BigInteger)) if limited else stmt

    async def count(self, listing: ChatListing) -> int:
        stmt = select(func.count()).select_from(ChatRow).where(*self._where(listing))
        return (await self.session.execute(stmt)).scalar_one()

    async def count_tagged(self, user_id: str, tag_id: str) -> int:
        """Chats of the user, archived ones excepted, that carry the tag."""
        return await self.count(ChatListing(user_id=user_id, tag_id=tag_id))

    def _where(self, listing: ChatListing, user_id=None) -> list:
        """The listing's conditions; `user_id` (a bind parameter) instead of its user."""
        user = listing.user_id if user_id is None else user_id
        where = [ChatRow.user_id == user, self._not_internal()]
        if listing.archived is not None:
            where.append(ChatRow.archived.is_(True) if listing.archived
                         else or_(ChatRow.archived.is_(False), ChatRow.archived.is_(None)))
        if listing.pinned is not None:
            where.append(ChatRow.pinned.is_(True) if listing.pinned
                         else or_(ChatRow.pinned.is_(False), ChatRow.pinned.is_(None)))
        if listing.in_folder is not None:
            where.append(ChatRow.folder_id.is_not(None) if listing.in_folder
                         else ChatRow.folder_id.is_(None))
        if listing.tag_id is not None:
            where.append(self._has_tag(listing.tag_id))
        if listing.text:
            where.append(self._matches(listing.text))
        return where

    def _not_internal(self):
        """Open WebUI hides chats it marks `meta.internal` (helper chats of agents)."""
        if self.dialect == "postgresql":
            return func.coalesce(ChatRow.meta["internal"].as_string(), "false") != "true"
        return func.coalesce(func.json_extract(ChatRow.meta, "$.internal"), 0) != 1

    def _has_tag(self, tag_id: str):
        """`meta.tags` (a JSON array of tag ids) contains the tag."""
        if self.dialect == "postgresql":
            tags = ChatRow.meta["tags"]
            array = case((func.json_typeof(tags) == "array", tags))
            ids = func.json_array_elements_text(array).table_valued("value").alias("tag_ids")
        else:
            ids = func.json_each(ChatRow.meta, "$.tags").table_valued("value").alias("tag_ids")
        return exists(select(literal(1)).select_from(ids).where(ids.c.value == tag_id))

    def _matches(self, text: str):
        """The title or any message's content contains the text (case-insensitively for
        ASCII letters)."""
        in_title = func.lower(ChatRow.title).like(like_pattern(text), escape="\\")
        in_messages = exists(
            select(literal(1)).select_from(ChatMessageRow).where(
                and_(ChatMessageRow.chat_id == ChatRow.id,
                     func.lower(cast(ChatMessageRow.content, Text)).like(
                         like_pattern(_json_escaped(text)), escape="\\"))))
        return or_(in_title, in_messages)


def summary_of_record(record) -> ChatSummary:
    """A summary from the driver's row (driver_rows), as SQLAlchemy's types would give
    it: the JSON column `meta` comes as text, and SQLite's booleans as 0 and 1."""
    (chat_id, user_id, title, created_at, updated_at, share_id, archived, pinned, meta,
     *rest) = record[:len(SUMMARY)]
    return ChatSummary(chat_id, user_id, title, created_at, updated_at, share_id,
                       None if archived is None else bool(archived),
                       None if pinned is None else bool(pinned),
                       None if meta is None else stored_json(meta), *rest)


def _summaries(result) -> list[ChatSummary]:
    make = ChatSummary._make  # SUMMARY's order, which the select keeps
    return [make(row) for row in result]
