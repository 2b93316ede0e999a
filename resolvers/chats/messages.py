"""Messages of a chat: read from `chat_message` (indexed, batched), written through the
chat's locked tree so `chat.chat` and the rows stay in step.

Readers: whoever may read the chat (its owner; administrators with chat access).
Writers: the owner, or an administrator with chat access, as Open WebUI allows on its
message routes. Writes publish message.added / message.updated / message.deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from data.chat_json import row_values
from data.repos.chat_window import chat_with_window
from data.repos.chats import ChatSummary
from data.repos.driver import direct_reader
from data.repos.messages import MessageRepo, MessageWindow, WindowPage
from data.tables import ChatMessageRow, ChatRow
from data.tables.base import now_s
from resolvers.chats import events as chat_events
from resolvers.chats import limits as chat_limits
from resolvers.chats.access import (
    LockedChat,
    chat_not_found,
    lock_chat,
    may_read,
    readable_summary,
    save_tree,
)
from resolvers.context import Context, Viewer
from resolvers.errors import Invalid, NotFound
from resolvers.files.attached import documents_in, refuse_unreadable
from resolvers.loaders import loaders, serial
from resolvers.permissions import require_verified

MAX_VOICE_CHARS = 100_000  # Open WebUI's limit on a message's voice settings


@dataclass(frozen=True)
class MessageCreate:
    """A new message. Without `parent_id` it answers the current message (the end of the
    branch shown); with `as_root` it starts a new tree root."""

    content: Any
    role: str = "user"
    parent_id: str | None = None
    as_root: bool = False
    message_id: str | None = None
    model: str | None = None
    done: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)  # other Open WebUI keys


@dataclass(frozen=True)
class MessageEdit:
    """Changes to a message; None leaves a field as it is."""

    content: Any = None
    done: bool | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    error: Any = None
    voice: dict[str, Any] | None = None


@dataclass(frozen=True)
class MessageChange:
    chat: ChatRow
    message: ChatMessageRow | None = None  # the added or changed message (not in a session)
    removed: list[str] = field(default_factory=list)


def status_of(row: ChatMessageRow) -> str:
    """Where a message stands: `streaming` while an answer is written; `stopped`,
    `interrupted` (the server shut down) or `failed` when it ended early (its content
    is what had arrived); else `done`. Read from Open WebUI's fields, which
    resolvers/completions/answers.py sets."""
    if row.done is False:
        return "streaming"
    if row.error:
        return "interrupted" if _reason(row.error) == "shutdown" else "failed"
    notes = row.status_history
    if isinstance(notes, list) and notes and isinstance(notes[-1], dict) \
            and notes[-1].get("action") == "stopped":
        return "stopped"
    return "done"


def _reason(error: Any) -> Any:
    return error.get("reason") if isinstance(error, dict) else None


async def list_messages(ctx: Context, chat_id: str, window: MessageWindow) -> WindowPage:
    """A page of the chat's messages along its current branch or across its whole tree."""
    chat_limits.message_window(window)
    await readable_summary(ctx, await require_verified(ctx), chat_id)
    return await loaders(ctx).windows.load((chat_id, window))


async def list_messages_of_chats(ctx: Context, chats: Sequence[Any], window: MessageWindow,
                                 *, columns: Collection[str] | None = None
                                 ) -> dict[str, WindowPage]:
    """The same page of each of these chats' messages, in one statement: for a list that
    already holds the chats (their summaries from list_chats). Checks as list_messages
    does; a chat the caller may not read is left out (its own read then refuses it).
    With `columns`, the messages carry only those attributes (those the caller reads)."""
    chat_limits.message_window(window)
    viewer = await require_verified(ctx)
    chat_ids = [chat.id for chat in chats if may_read(ctx, viewer, chat)]
    async with serial(ctx):
        return await MessageRepo(ctx.session).windows(
            list(dict.fromkeys(chat_ids)), window, columns=columns,
            reader=direct_reader(ctx.services.reader, ctx.writes))


async def read_chat_with_messages(ctx: Context, chat_id: str, window: MessageWindow, *,
                                  columns: Collection[str] | None = None
                                  ) -> tuple[ChatSummary, WindowPage]:
    """chats.read_chat_summary and list_messages_of_chats for that one chat, with the
    same checks in the same order, read in one statement when this unit of work has not
    read the chat yet (a field that reads one chat and its messages: `chat(id:)`)."""
    viewer = await require_verified(ctx)
    found = loaders(ctx).listed_chats.get(chat_id)
    page = None
    if found is None:
        async with serial(ctx):
            # A read unit of work sees only committed rows: the point reader may serve it.
            found, page = await chat_with_window(
                ctx.session, chat_id, window, columns=columns,
                reader=direct_reader(ctx.services.reader, ctx.writes))
        if found is not None:
            loaders(ctx).listed_chats[chat_id] = found
    if found is None or not may_read(ctx, viewer, found):
        raise chat_not_found()
    if page is None:
        return found, (await list_messages_of_chats(ctx, [found], window,
                                                    columns=columns))[chat_id]
    chat_limits.message_window(window)
    return found, page


async def get_message(ctx: Context, chat_id: str, message_id: str) -> ChatMessageRow:
    await readable_summary(ctx, await require_verified(ctx), chat_id)
    row = await loaders(ctx).messages.load((chat_id, message_id))
    if row is None:
        raise NotFound("No such message in this chat.", reason="message_not_found")
    return row


async def get_parent(ctx: Context, chat_id: str, parent_id: str | None
                     ) -> ChatMessageRow | None:
    """The parent, or None for a first message (or a parent another program lost)."""
    if parent_id is None:
        return None
    await readable_summary(ctx, await require_verified(ctx), chat_id)
    return await loaders(ctx).messages.load((chat_id, parent_id))


async def get_children(ctx: Context, chat_id: str, message_id: str) -> list[ChatMessageRow]:
    """The message's children, oldest first (the newest is the latest alternative)."""
    await readable_summary(ctx, await require_verified(ctx), chat_id)
    return await loaders(ctx).children.load((chat_id, message_id))


async def add_message(ctx: Context, chat_id: str, data: MessageCreate) -> MessageChange:
    """Add a message under its parent; it becomes the current message. Adding beside
    existing children is how an edit or a regenerated answer starts a new branch."""
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, chat_id, admins=True)
    tree = locked.tree
    parent_id = None if data.as_root else (data.parent_id or tree.current_id)
    node = {**data.extra, "role": chat_limits.role(data.role),
            "content": chat_limits.message_content(data.content), "timestamp": now_s(),
            "done": data.done}
    if data.model is not None:
        node["model"] = data.model
    await refuse_unreadable(ctx, viewer, *documents_in([node]))
    sign(node, viewer)
    message_id = data.message_id or str(uuid.uuid4())
    tree.add(message_id, node, parent_id)
    return await _saved(ctx, locked, message_id, chat_events.MESSAGE_ADDED)


async def edit_message(ctx: Context, chat_id: str, message_id: str,
                       edit: MessageEdit) -> MessageChange:
    """Change a message in place; its branch becomes the current one."""
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, chat_id, admins=True)
    return await _edit_locked(ctx, locked, message_id, edit)


async def upsert_message(ctx: Context, chat_id: str, message_id: str,
                         edit: MessageEdit) -> MessageChange:
    """Open WebUI's message route: change the message, or create it when missing (under
    the message that already lists it as a child, else under the current one; as the
    assistant when its parent is the user's)."""
    viewer = await require_verified(ctx)
    if edit.content is None and edit.voice is None:
        raise Invalid("Nothing to change: send content or voice.", reason="nothing_to_change")
    locked = await lock_chat(ctx, viewer, chat_id, admins=True)
    if message_id in locked.tree.messages:
        return await _edit_locked(ctx, locked, message_id, edit)
    if edit.voice is not None:
        raise NotFound("Voice settings need an existing message.", reason="message_not_found")
    parent_id = _listed_parent(locked, message_id) or locked.tree.current_id
    parent = locked.tree.messages.get(parent_id) if parent_id else None
    role = "assistant" if parent is not None and parent.get("role") == "user" else "user"
    node = {"role": role, "content": chat_limits.message_content(edit.content),
            "timestamp": now_s()}
    sign(node, viewer)
    locked.tree.add(message_id, node, parent_id)
    return await _saved(ctx, locked, message_id, chat_events.MESSAGE_ADDED)


async def delete_message(ctx: Context, chat_id: str, message_id: str) -> MessageChange:
    """Remove the message and its direct children; their children move up to its parent
    and the current message moves to a branch that still exists."""
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, chat_id, admins=True)
    removed = locked.tree.delete(message_id)
    await save_tree(ctx, locked)
    chat_events.publish(ctx, locked.row.user_id, chat_id, chat_events.MESSAGE_DELETED,
                        message_id)
    return MessageChange(chat=locked.row, removed=removed)


async def switch_branch(ctx: Context, chat_id: str, message_id: str) -> ChatRow:
    """Show the branch through `message_id`, down to its newest leaf. Publishes
    chat.updated."""
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, chat_id, admins=True)
    locked.tree.switch(message_id)
    await save_tree(ctx, locked, touch=False)
    chat_events.publish(ctx, locked.row.user_id, chat_id, chat_events.CHAT_UPDATED)
    return locked.row


async def _edit_locked(ctx: Context, locked: LockedChat, message_id: str,
                       edit: MessageEdit) -> MessageChange:
    node = locked.tree.get(message_id)
    changes: dict[str, Any] = {}
    if edit.content is not None:
        changes["content"] = chat_limits.message_content(edit.content)
    for key in ("done", "model", "usage", "error"):
        if getattr(edit, key) is not None:
            changes[key] = getattr(edit, key)
    if edit.voice is not None:
        changes["meta"] = {**(node.get("meta") or {}), "voice": _voice(edit.voice)}
    if not changes:
        raise Invalid("Nothing to change: send content or voice.", reason="nothing_to_change")
    locked.tree.update(message_id, changes)
    return await _saved(ctx, locked, message_id, chat_events.MESSAGE_UPDATED)


async def _saved(ctx: Context, locked: LockedChat, message_id: str,
                 kind: str) -> MessageChange:
    await save_tree(ctx, locked)
    row = locked.row
    chat_events.publish(ctx, row.user_id, row.id, kind, message_id)
    values = row_values(row.id, row.user_id, message_id, locked.tree.messages[message_id],
                        now_s())
    return MessageChange(chat=row, message=ChatMessageRow(**values))


def sign(node: dict[str, Any], viewer: Viewer) -> None:
    """User messages carry their author, as Open WebUI's server writes them."""
    if node["role"] == "user":
        node["user_id"] = viewer.id
        node["user"] = {"id": viewer.id, "name": viewer.user.name}


def _listed_parent(locked: LockedChat, message_id: str) -> str | None:
    for parent_id, node in locked.before.items():
        children = node.get("childrenIds") if isinstance(node, dict) else None
        if isinstance(children, list) and message_id in children:
            return parent_id if parent_id in locked.tree.messages else None
    return None


def _voice(value: dict[str, Any]) -> dict[str, Any]:
    if chat_limits.serialised_chars(value) > MAX_VOICE_CHARS:
        raise Invalid(f"Voice settings have at most {MAX_VOICE_CHARS} characters.",
                      reason="voice_too_large", field="voice")
    return value
