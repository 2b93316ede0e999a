"""Who may read or change a chat, and the locked read-modify-write of its tree.

Only the owner reads and changes a chat. Administrators read any chat, change its
messages and delete it while ENABLE_ADMIN_CHAT_ACCESS is on, as Open WebUI allows. A chat
the caller may not see is reported exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from data.chat_json import row_id, row_values
from data.repos.chats import ChatRepo
from data.repos.messages import MessageRepo
from data.tables import ChatRow
from data.tables.base import now_s
from resolvers.chats import limits as chat_limits
from resolvers.chats.tree import ChatTree, Node
from resolvers.context import Context, Viewer
from resolvers.errors import NotFound
from resolvers.loaders import chat_summary, forget_loaded


def chat_not_found() -> NotFound:
    return NotFound("No such chat.", reason="chat_not_found")


def admin_reach(ctx: Context, viewer: Viewer) -> bool:
    return viewer.role == "admin" and ctx.settings.enable_admin_chat_access


def may_read(ctx: Context, viewer: Viewer, chat: ChatRow) -> bool:
    return chat.user_id == viewer.id or admin_reach(ctx, viewer)


async def readable_summary(ctx: Context, viewer: Viewer, chat_id: str) -> ChatRow:
    """The chat's summary columns (through the unit of work's loader), if readable."""
    chat = await chat_summary(ctx, chat_id)
    if chat is None or not may_read(ctx, viewer, chat):
        raise chat_not_found()
    return chat


async def readable_chat(ctx: Context, viewer: Viewer, chat_id: str) -> ChatRow:
    """The whole row, tree included, if readable."""
    chat = await ChatRepo(ctx.session).full(chat_id)
    if chat is None or not may_read(ctx, viewer, chat):
        raise chat_not_found()
    return chat


@dataclass
class LockedChat:
    """A chat row locked for this transaction, its tree, and the messages as stored."""

    row: ChatRow
    stored_chars: int
    tree: ChatTree
    before: dict[str, Node]
    settings_chars: int  # the stored chat object without its history


async def lock_chat(ctx: Context, viewer: Viewer, chat_id: str, *,
                    admins: bool = False) -> LockedChat:
    """Lock the chat for a write by its owner (or, with `admins`, an administrator with
    chat access). Concurrent writers wait here, then see each other's messages."""
    return await _lock(ctx, chat_id, lambda row: row.user_id == viewer.id
                       or (admins and admin_reach(ctx, viewer)))


async def lock_owned_chat(ctx: Context, owner_id: str, chat_id: str) -> LockedChat:
    """Lock the chat for work its owner started that goes on after their request ended
    (a completion writing its answer)."""
    return await _lock(ctx, chat_id, lambda row: row.user_id == owner_id)


async def _lock(ctx: Context, chat_id: str, allowed: Callable[[ChatRow], bool]
                ) -> LockedChat:
    found = await ChatRepo(ctx.session).lock(chat_id)
    if found is None:
        raise chat_not_found()
    row, chars = found
    if not allowed(row):
        raise chat_not_found()
    tree = ChatTree.of(row.chat)
    before = dict(tree.messages)
    tree.repair()
    return LockedChat(row=row, stored_chars=chars, tree=tree, before=before,
                      settings_chars=settings_chars(row.chat))


def settings_chars(blob: object) -> int:
    if not isinstance(blob, dict):
        return 0
    return chat_limits.serialised_chars({k: v for k, v in blob.items() if k != "history"})


async def save_tree(ctx: Context, locked: LockedChat, *, touch: bool = True
                    ) -> tuple[list[str], list[str]]:
    """Write the changed tree back to `chat.chat` and its changed nodes to `chat_message`
    in the same transaction; returns (changed ids, removed ids)."""
    row, tree = locked.row, locked.tree
    changed, removed = tree.diff(locked.before)
    grown = sum(chat_limits.serialised_chars(tree.messages[m]) for m in changed)
    shrunk = sum(chat_limits.serialised_chars(locked.before[m])
                 for m in (*changed, *removed) if m in locked.before)
    blob = dict(row.chat) if isinstance(row.chat, dict) else {}
    chat_limits.chat_size(locked.stored_chars - locked.settings_chars + settings_chars(blob)
                          + grown - shrunk)
    now = now_s()
    blob["history"] = tree.history()
    row.chat = blob
    row.current_message_id = tree.current_id
    if touch:
        row.updated_at = now
    repo = MessageRepo(ctx.session)
    await repo.upsert([row_values(row.id, row.user_id, m, tree.messages[m], now)
                       for m in changed])
    await repo.delete([row_id(row.id, m) for m in removed])
    await ctx.session.flush()
    forget_loaded(ctx)
    return changed, removed
