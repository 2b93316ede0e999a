"""Chat events on the broadcaster, and following them.

Writers publish after their transaction commits (nothing goes out for a rolled-back
write) on `chat:<id>`, for whoever follows that chat, and on `user:<owner id>`, for the
owner's other tabs. Events are small, ids and a kind, never message bodies: a follower
reads what changed (PostgreSQL's broker caps an event at about 7.9 KB).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from data.pubsub import chat_channel, user_channel
from resolvers.chats.access import chat_not_found
from resolvers.context import Context
from resolvers.loaders import loaders
from resolvers.permissions import require_verified

CHAT_CREATED, CHAT_UPDATED, CHAT_DELETED = "chat.created", "chat.updated", "chat.deleted"
MESSAGE_ADDED, MESSAGE_UPDATED, MESSAGE_DELETED = (
    "message.added", "message.updated", "message.deleted")
KINDS = (CHAT_CREATED, CHAT_UPDATED, CHAT_DELETED, MESSAGE_ADDED, MESSAGE_UPDATED,
         MESSAGE_DELETED)


def publish(ctx: Context, owner_id: str, chat_id: str, kind: str,
            message_id: str | None = None) -> None:
    """Queue the event for after the commit."""
    event: dict[str, Any] = {"kind": kind, "chat_id": chat_id, "message_id": message_id}
    pubsub = ctx.services.pubsub

    async def send() -> None:
        await pubsub.publish(chat_channel(chat_id), event)
        await pubsub.publish(user_channel(owner_id), event)

    ctx.after_commit(send)


async def follow_chat(ctx: Context, chat_id: str) -> AsyncIterator[dict[str, Any]]:
    """The owner only: events of one chat as they happen, until it is deleted. Holds no
    unit of work while waiting; the ownership check is a short one of its own."""
    async with ctx.services.pubsub.subscribe(chat_channel(chat_id)) as events:
        # Subscribed first, checked second: nothing published in between is missed.
        async with ctx.unit_of_work():
            viewer = await require_verified(ctx)
            chat = await loaders(ctx).chats.load(chat_id)
            if chat is None or chat.user_id != viewer.id:
                raise chat_not_found()
        async for event in events:
            yield event
            if event.get("kind") == CHAT_DELETED:
                return
