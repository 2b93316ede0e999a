"""Chat events on the broadcaster, and following them.

Writers publish after their transaction commits (nothing goes out for a rolled-back
write) on `chat:<id>`, for whoever follows that chat, and on `user:<owner id>`, for the
owner's other tabs. Events are small, ids and a kind, never message bodies: a follower
reads what changed (PostgreSQL's broker caps an event at about 7.9 KB).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from data.pubsub import chat_channel, user_channel
from resolvers.chats.access import chat_not_found, readable_summary
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.loaders import loaders
from resolvers.permissions import require_verified

CHAT_CREATED, CHAT_UPDATED, CHAT_DELETED = "chat.created", "chat.updated", "chat.deleted"
MESSAGE_ADDED, MESSAGE_UPDATED, MESSAGE_DELETED = (
    "message.added", "message.updated", "message.deleted")
# A client's own event about a message (a status line, a notice, ...): relayed, not stored.
MESSAGE_EVENT = "message.event"
KINDS = (CHAT_CREATED, CHAT_UPDATED, CHAT_DELETED, MESSAGE_ADDED, MESSAGE_UPDATED,
         MESSAGE_DELETED, MESSAGE_EVENT)
MAX_EVENT_TYPE_CHARS = 100
MAX_EVENT_DATA_CHARS = 4096  # well inside PostgreSQL's ~7.9 KB per broker message


def publish(ctx: Context, owner_id: str, chat_id: str, kind: str,
            message_id: str | None = None, extra: dict[str, Any] | None = None) -> None:
    """Queue the event for after the commit."""
    event: dict[str, Any] = {"kind": kind, "chat_id": chat_id, "message_id": message_id,
                             **(extra or {})}
    pubsub = ctx.services.pubsub

    async def send() -> None:
        await pubsub.publish(chat_channel(chat_id), event)
        await pubsub.publish(user_channel(owner_id), event)

    ctx.after_commit(send)


async def send_message_event(ctx: Context, chat_id: str, message_id: str, event_type: str,
                             data: dict[str, Any]) -> bool:
    """The chat's owner, or an administrator with chat access: relay an event about one
    of its messages to whoever follows the chat (Open WebUI's message event route).
    Nothing is stored. Publishes message.event with `type` and `data`."""
    viewer = await require_verified(ctx)
    chat = await readable_summary(ctx, viewer, chat_id)
    if not isinstance(event_type, str) or not 0 < len(event_type) <= MAX_EVENT_TYPE_CHARS:
        raise Invalid(f"type has 1 to {MAX_EVENT_TYPE_CHARS} characters.",
                      reason="invalid_event", field="type")
    if not isinstance(data, dict):
        raise Invalid("data must be a JSON object.", reason="invalid_event", field="data")
    if len(json.dumps(data, ensure_ascii=False)) > MAX_EVENT_DATA_CHARS:
        raise Invalid(f"data holds at most {MAX_EVENT_DATA_CHARS} characters of JSON; "
                      "events announce, readers fetch.", reason="invalid_event", field="data")
    publish(ctx, chat.user_id, chat.id, MESSAGE_EVENT, message_id,
            {"type": event_type, "data": data})
    return True


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
