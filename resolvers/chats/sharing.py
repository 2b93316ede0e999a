"""Sharing a chat by link, as Open WebUI does: sharing stores a snapshot in `shared_chat`
under a new share id; anyone signed in (and approved) who has the link reads the
snapshot; sharing again refreshes it; unsharing deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.repos.chats import ChatRepo
from data.repos.shares import ShareRepo
from data.tables.base import now_s
from resolvers.chats import events as chat_events
from resolvers.chats.access import admin_reach, chat_not_found
from resolvers.context import Context
from resolvers.errors import Forbidden, NotFound
from resolvers.loaders import forget_loaded
from resolvers.permissions import require_verified
from resolvers.users.permissions import allows, effective_permissions


@dataclass(frozen=True)
class SharedSnapshot:
    share_id: str
    chat_id: str
    owner_id: str
    title: str
    chat: dict[str, Any]
    created_at: int
    updated_at: int


async def share_chat(ctx: Context, chat_id: str):
    """The owner (with the `chat.share` permission, on by default) shares or re-shares;
    returns the chat with its share id. Publishes chat.updated."""
    viewer = await require_verified(ctx)
    if viewer.role != "admin" and not allows(await effective_permissions(ctx, viewer.user),
                                             "chat.share"):
        raise Forbidden("This account may not share chats.", reason="chat_share_forbidden")
    row = await ChatRepo(ctx.session).full(chat_id)
    if row is None or row.user_id != viewer.id:
        raise chat_not_found()
    share = await ShareRepo(ctx.session).snapshot(row, row.share_id, now_s())
    row.share_id = share.id
    await ctx.session.flush()
    forget_loaded(ctx)
    chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return row


async def unshare_chat(ctx: Context, chat_id: str) -> bool:
    """The owner only: delete the snapshot (the link stops working). False when the chat
    was not shared. Publishes chat.updated."""
    viewer = await require_verified(ctx)
    row = await ChatRepo(ctx.session).summary(chat_id)
    if row is None or row.user_id != viewer.id:
        raise chat_not_found()
    if not row.share_id:
        return False
    await ShareRepo(ctx.session).delete_for_chat(chat_id)
    row.share_id = None
    await ctx.session.flush()
    forget_loaded(ctx)
    chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return True


async def get_shared_chat(ctx: Context, share_id: str) -> SharedSnapshot:
    """Any approved account holding the share id. Administrators with chat access may
    also pass a chat id (Open WebUI's fallback)."""
    viewer = await require_verified(ctx)
    share = await ShareRepo(ctx.session).get(share_id)
    if share is not None:
        return SharedSnapshot(share_id=share.id, chat_id=share.chat_id, owner_id=share.user_id,
                              title=share.title or "", chat=share.chat or {},
                              created_at=share.created_at or 0,
                              updated_at=share.updated_at or 0)
    if admin_reach(ctx, viewer):
        chat = await ChatRepo(ctx.session).full(share_id)
        if chat is not None:
            return SharedSnapshot(share_id=share_id, chat_id=chat.id, owner_id=chat.user_id,
                                  title=chat.title or "", chat=chat.chat or {},
                                  created_at=chat.created_at, updated_at=chat.updated_at)
    raise NotFound("No chat is shared under this link.", reason="share_not_found")
