"""Chats: listing, reading, creating, changing and deleting them, by Open WebUI's rules.

Every resolver here needs an approved account (`user` or `admin`). Writers publish a chat
event after the commit (see resolvers/chats/events.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from data.chat_json import row_values
from data.repos.chat_pages import page_with_windows, reads_in_one
from data.repos.chats import ChatListing, ChatRepo, ChatSummary
from data.repos.driver import direct_reader
from data.repos.folders import FolderRepo
from data.repos.messages import MessageRepo, MessageWindow, WindowPage
from data.tables import ChatRow, FolderRow, UserRow
from data.tables.base import now_s
from resolvers.chats import events as chat_events
from resolvers.chats import limits as chat_limits
from resolvers.chats.access import (
    LockedChat,
    admin_reach,
    chat_not_found,
    lock_chat,
    may_read,
    readable_chat,
    readable_summary,
    save_tree,
)
from resolvers.chats.tags import drop_orphan_tags, restore_tags, tag_ids
from resolvers.chats.tree import ChatTree, merge
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid, NotFound
from resolvers.files.attached import documents_in, refuse_unreadable
from resolvers.loaders import forget_loaded, load_many, loaders, serial
from resolvers.permissions import require_verified
from resolvers.users.permissions import allows, effective_permissions

NEW_CHAT = "New Chat"
ORDERABLE = ("updated_at", "created_at", "title")


class Unchanged:
    """A field an update leaves as it is (None would mean "clear it")."""


UNCHANGED = Unchanged()


@dataclass(frozen=True)
class ChatFilter:
    """Which of the caller's chats to list; None means either way."""

    archived: bool | None = False
    pinned: bool | None = None
    in_folder: bool | None = None
    tag: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class ChatCreate:
    chat: dict[str, Any] | None = None  # Open WebUI's chat object, its tree included
    title: str | None = None
    folder_id: str | None = None
    variables: dict[str, Any] | None = None
    pinned: bool = False


@dataclass(frozen=True)
class ChatUpdate:
    """`chat` is merged as Open WebUI merges it: top-level keys replace the stored ones,
    `history` is merged message by message."""

    chat: dict[str, Any] | None = None
    title: str | None = None
    folder_id: str | None | Unchanged = UNCHANGED
    variables: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChatPage:
    chats: Sequence[ChatSummary]  # the summary columns, read like a ChatRow
    total: int | None = None
    windows: dict[str, WindowPage] | None = None  # chat id -> its window, when read


@dataclass(frozen=True)
class ChatOrder:
    field: str = "updated_at"
    descending: bool = True


async def list_chats(ctx: Context, *, filter: ChatFilter = ChatFilter(),
                     order: ChatOrder = ChatOrder(), offset: int = 0,
                     limit: int | None = None, count: bool = True,
                     window: MessageWindow | None = None,
                     columns: Collection[str] | None = None) -> ChatPage:
    """The caller's own chats (summary columns only), one page and the total. With a
    `window`, the page's `windows` may hold that window of each chat's messages (with
    `columns`, as list_messages_of_chats gives it), read with the page when its listing
    allows (data/repos/chat_pages.py); otherwise `windows` is None."""
    if order.field not in ORDERABLE:
        raise Invalid(f"Chats sort by {', '.join(ORDERABLE)}.", reason="invalid_order",
                      field="order_by")
    if offset < 0 or (limit is not None and limit < 0):
        raise Invalid("Pages start at offset 0 and hold 0 or more chats.",
                      reason="invalid_page")
    async with serial(ctx):
        viewer = await require_verified(ctx)
        tag_id = chat_limits.tag_name(filter.tag)[0] if filter.tag else None
        listing = ChatListing(user_id=viewer.id, archived=filter.archived,
                              pinned=filter.pinned, in_folder=filter.in_folder, tag_id=tag_id,
                              text=(filter.search or "").strip() or None,
                              order_by=order.field, descending=order.descending)
        repo, reader = ChatRepo(ctx.session), direct_reader(ctx.services.reader, ctx.writes)
        windows = None
        if window is not None and reads_in_one(listing):
            chat_limits.message_window(window)
            rows, windows = await page_with_windows(
                ctx.session, listing, offset=offset, limit=limit, window=window,
                columns=columns, reader=reader)
        else:
            rows = await repo.page(listing, offset=offset, limit=limit, reader=reader)
        total = await repo.count(listing) if count else None
    # Later reads of these chats (their messages, tags, owner) need no query for them.
    loaders(ctx).listed_chats.update((row.id, row) for row in rows)
    return ChatPage(chats=rows, total=total, windows=windows)


async def get_chat(ctx: Context, chat_id: str) -> ChatRow:
    """The whole chat, tree included: its owner, or an administrator with chat access."""
    viewer = await require_verified(ctx)
    return await readable_chat(ctx, viewer, chat_id)


async def get_chat_summary(ctx: Context, chat_id: str) -> ChatRow:
    """The chat without its tree (through the unit of work's loader); who may read it
    as for get_chat."""
    viewer = await require_verified(ctx)
    return await readable_summary(ctx, viewer, chat_id)


async def read_chat_summary(ctx: Context, chat_id: str) -> ChatSummary:
    """As get_chat_summary, read at once rather than batched: for a field that reads one
    chat by id and nothing beside it (a dataloader's batch costs a future and a turn of
    the event loop). Later reads of the chat in this unit of work find it, as a list's."""
    viewer = await require_verified(ctx)
    found = loaders(ctx).listed_chats.get(chat_id)
    if found is None:
        async with serial(ctx):
            rows = await ChatRepo(ctx.session).by_ids([chat_id])
        if rows:
            found = loaders(ctx).listed_chats[chat_id] = rows[0]
    if found is None or not may_read(ctx, viewer, found):
        raise chat_not_found()
    return found


async def get_chat_owner(ctx: Context, chat_id: str) -> UserRow | None:
    """Whoever may read the chat (batched across chats)."""
    chat = await get_chat_summary(ctx, chat_id)
    return await loaders(ctx).users.load(chat.user_id)


async def owners_of_chats(ctx: Context, chats: Sequence[Any]) -> dict[str, UserRow | None]:
    """The owners of chats a list already holds, by chat id, batched as get_chat_owner;
    a chat the caller may not read is left out (its own read then refuses it)."""
    viewer = await require_verified(ctx)
    readable = [chat for chat in chats if may_read(ctx, viewer, chat)]
    users: dict[str, Any] = {}
    if not ctx.writes:  # the caller's own account, as read for this request's identity
        users[viewer.id] = viewer.user  # check (committed rows, as a read sees them)
    user_ids = list(dict.fromkeys(chat.user_id for chat in readable
                                  if chat.user_id not in users))
    users.update(zip(user_ids, await load_many(loaders(ctx).users, user_ids), strict=True))
    return {chat.id: users[chat.user_id] for chat in readable}


async def get_chat_folder(ctx: Context, chat_id: str) -> FolderRow | None:
    """Whoever may read the chat; a folder that is not the owner's does not show."""
    chat = await get_chat_summary(ctx, chat_id)
    if not chat.folder_id:
        return None
    folder = await loaders(ctx).folders.load(chat.folder_id)
    return folder if folder is not None and folder.user_id == chat.user_id else None


async def is_own_chat(ctx: Context, chat: ChatRow) -> bool:
    """Whether the caller owns this chat (an administrator may be reading another's)."""
    return chat.user_id == (await require_verified(ctx)).id


async def create_chat(ctx: Context, data: ChatCreate) -> ChatRow:
    """Any approved account, for itself. Publishes chat.created."""
    viewer = await require_verified(ctx)
    blob = dict(data.chat) if data.chat is not None else empty_chat()
    title = chat_limits.title(data.title if data.title is not None
                              else str(blob.get("title") or NEW_CHAT))
    if data.folder_id is not None:
        await _own_folder(ctx, viewer, data.folder_id)
    tree = ChatTree.of(blob)
    tree.check()
    tree.repair()
    await refuse_unreadable(ctx, viewer, *_documents(blob, tree))
    blob.update(title=title, history=tree.history())
    chat_limits.chat_size(chat_limits.serialised_chars(blob))
    now = now_s()
    row = ChatRow(id=str(uuid.uuid4()), user_id=viewer.id, title=title, chat=blob,
                  created_at=now, updated_at=now, last_read_at=now, share_id=None,
                  archived=False, pinned=data.pinned, meta={}, variables=data.variables or {},
                  folder_id=data.folder_id, current_message_id=tree.current_id)
    await ChatRepo(ctx.session).add(row)
    await MessageRepo(ctx.session).upsert(
        [row_values(row.id, viewer.id, m, node, now) for m, node in tree.messages.items()])
    forget_loaded(ctx)
    chat_events.publish(ctx, viewer.id, row.id, chat_events.CHAT_CREATED)
    return row


async def update_chat(ctx: Context, chat_id: str, changes: ChatUpdate) -> ChatRow:
    """The owner only. `updated_at` moves only when messages were sent, as in Open WebUI.
    Publishes chat.updated."""
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, chat_id)
    row = locked.row
    if not isinstance(changes.folder_id, Unchanged):
        if changes.folder_id is not None:
            await _own_folder(ctx, viewer, changes.folder_id)
        row.folder_id = changes.folder_id
    if changes.variables is not None:
        row.variables = changes.variables
    if changes.chat is not None or changes.title is not None:
        await _rewrite_tree(ctx, locked, viewer, changes)
    else:  # a move between folders leaves the (possibly large) tree as it is
        await ctx.session.flush()
        forget_loaded(ctx)
    chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return row


async def update_chat_params(ctx: Context, chat_id: str, params: dict[str, Any]
                             ) -> dict[str, Any]:
    """The owner only: `params` keys replace those of the chat's generation parameters
    (`chat.params`); returns them all. Publishes chat.updated."""
    if not isinstance(params, dict):
        raise Invalid("params must be a JSON object.", reason="invalid_params", field="params")
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, chat_id)
    row = locked.row
    blob = dict(row.chat) if isinstance(row.chat, dict) else {}
    current = blob.get("params") if isinstance(blob.get("params"), dict) else {}
    blob["params"] = {**current, **params}
    row.chat = blob
    await save_tree(ctx, locked, touch=False)
    chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return blob["params"]


async def _rewrite_tree(ctx: Context, locked: LockedChat, viewer: Viewer,
                        changes: ChatUpdate) -> None:
    row = locked.row
    blob = dict(row.chat) if isinstance(row.chat, dict) else {}
    named_before = _documents(blob, locked.tree)
    touch = False
    if changes.chat is not None:
        incoming = dict(changes.chat)
        history = incoming.pop("history", None)
        touch = history is not None or "messages" in incoming
        blob.update(incoming)
        if history is not None:
            if not isinstance(history, dict):
                raise Invalid("history is an object with messages and currentId.",
                              reason="invalid_tree", field="history")
            locked.tree, _ = merge(locked.tree, history.get("messages") or {},
                                   history.get("currentId"), viewer.id)
        if "title" in incoming:
            row.title = chat_limits.title(str(incoming["title"] or NEW_CHAT))
    if changes.title is not None:
        row.title = chat_limits.title(changes.title)
    blob["title"] = row.title  # Open WebUI keeps the column and the tree's title alike
    # Only documents newly named are checked: a file deleted since it was attached does
    # not make the chat unwritable.
    files, knowledge = _documents(blob, locked.tree)
    await refuse_unreadable(ctx, viewer, files - named_before[0], knowledge - named_before[1])
    row.chat = blob
    await save_tree(ctx, locked, touch=touch)


async def delete_chat(ctx: Context, chat_id: str) -> bool:
    """The owner (with the `chat.delete` permission, on by default), or an administrator
    with chat access. Deletes its messages, shares and tags no other chat uses.
    Publishes chat.deleted."""
    viewer = await require_verified(ctx)
    if viewer.role != "admin" and not allows(await effective_permissions(ctx, viewer.user),
                                             "chat.delete"):
        raise Forbidden("This account may not delete chats.", reason="chat_delete_forbidden")
    repo = ChatRepo(ctx.session)
    row = await repo.summary(chat_id)
    if row is None or (row.user_id != viewer.id and not admin_reach(ctx, viewer)):
        raise chat_not_found()
    owner, tags = row.user_id, tag_ids(row)
    await repo.delete(chat_id)
    await drop_orphan_tags(ctx, owner, tags)
    forget_loaded(ctx)
    chat_events.publish(ctx, owner, chat_id, chat_events.CHAT_DELETED)
    return True


async def set_archived(ctx: Context, chat_id: str, archived: bool | None = None) -> ChatRow:
    """The owner only; None toggles (Open WebUI's route). Archiving also takes the chat
    out of its folder. Publishes chat.updated."""
    row = await _own_summary(ctx, chat_id, whole=True)
    row.archived = (not row.archived) if archived is None else archived
    now = now_s()
    row.folder_id, row.updated_at, row.last_read_at = None, now, now
    await ctx.session.flush()
    if row.archived:  # archived chats no longer count for their tags
        await drop_orphan_tags(ctx, row.user_id, tag_ids(row))
    else:
        await restore_tags(ctx, row.user_id, tag_ids(row))
    chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return row


async def set_pinned(ctx: Context, chat_id: str, pinned: bool | None = None) -> ChatRow:
    """The owner only; None toggles (Open WebUI's route). Publishes chat.updated."""
    row = await _own_summary(ctx, chat_id, whole=True)
    row.pinned = (not row.pinned) if pinned is None else pinned
    await ctx.session.flush()
    chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return row


async def is_pinned(ctx: Context, chat_id: str) -> bool | None:
    """The owner only."""
    return (await _own_summary(ctx, chat_id)).pinned


async def _own_summary(ctx: Context, chat_id: str, *, whole: bool = False) -> ChatRow:
    """The caller's chat, its tree included when `whole` (to answer with it)."""
    viewer = await require_verified(ctx)
    repo = ChatRepo(ctx.session)
    row = await (repo.full(chat_id) if whole else repo.summary(chat_id))
    if row is None or row.user_id != viewer.id:
        raise chat_not_found()
    forget_loaded(ctx)
    return row


async def _own_folder(ctx: Context, viewer: Viewer, folder_id: str) -> None:
    if await FolderRepo(ctx.session).get_for_user(folder_id, viewer.id) is None:
        raise NotFound("No such folder.", reason="folder_not_found", field="folder_id")


def _documents(blob: dict[str, Any], tree: ChatTree) -> tuple[set[str], set[str]]:
    """The files and knowledge bases a chat names: on its messages (the tree and the
    legacy flat list) and on the chat itself."""
    flat = blob.get("messages") if isinstance(blob.get("messages"), list) else []
    return documents_in([blob, *flat, *tree.messages.values()])


def empty_chat() -> dict[str, Any]:
    """What Open WebUI's web client stores for a new chat."""
    return {"id": "", "title": NEW_CHAT, "models": [], "params": {},
            "history": {"messages": {}, "currentId": None}, "messages": [], "tags": [],
            "timestamp": int(time.time() * 1000)}
