"""Open WebUI's chat storage format: the message tree in `chat.chat` and its row copy.

Open WebUI keeps every message twice: as a node of `chat.chat["history"]["messages"]`
(camelCase keys, `timestamp` in seconds) and as a `chat_message` row whose id is
`<chat_id>-<message_id>`. This module is the one mapping between the two, used by the
repositories, the resolvers and the backfill migration alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Open WebUI's own rule: a message timestamp this large was written in milliseconds.
MILLISECONDS_ABOVE = 10_000_000_000


def row_id(chat_id: str, message_id: str) -> str:
    return f"{chat_id}-{message_id}"


def message_id_of(chat_id: str, stored_row_id: str) -> str:
    prefix = f"{chat_id}-"
    return stored_row_id[len(prefix):] if stored_row_id.startswith(prefix) else stored_row_id


def seconds(value: Any) -> int | None:
    """A message timestamp as whole seconds; milliseconds are recognised and converted."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value / 1000) if value > MILLISECONDS_ABOVE else int(value)


def usage_of(message: Mapping[str, Any]) -> Any:
    info = message.get("info")
    return message.get("usage") or (info.get("usage") if isinstance(info, dict) else None)


def row_values(chat_id: str, owner_id: str, message_id: str, message: Mapping[str, Any],
               now: int) -> dict[str, Any]:
    """The `chat_message` columns for one node of the tree."""
    content = message.get("content")
    return {
        "id": row_id(chat_id, message_id), "chat_id": chat_id,
        "user_id": message.get("user_id") or owner_id,
        "role": str(message.get("role") or "user"),
        "parent_id": message.get("parentId"),
        "content": "" if content is None else content,
        "output": message.get("output"), "model_id": message.get("model"),
        "files": message.get("files"), "sources": message.get("sources"),
        "embeds": message.get("embeds"), "meta": message.get("meta"),
        "done": bool(message.get("done", True)),
        "status_history": message.get("statusHistory"), "error": message.get("error"),
        "usage": usage_of(message), "context_summary": message.get("contextSummary"),
        "created_at": seconds(message.get("timestamp")) or now, "updated_at": now,
    }
