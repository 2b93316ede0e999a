"""Chats, messages and tags in Open WebUI's JSON shapes (ChatResponse,
ChatTitleIdResponse, TagModel, and a message as it sits in the chat's tree)."""

from __future__ import annotations

from typing import Any

from data.tables import ChatMessageRow, ChatRow, TagRow

# Settings Open WebUI strips from a chat shown to someone other than its owner.
_OWNER_ONLY = ("params", "tool_ids", "filter_ids", "tool_servers")
# Message key <- row column, where the names differ.
_MESSAGE_KEYS = {"parent_id": "parentId", "model_id": "model",
                 "status_history": "statusHistory", "context_summary": "contextSummary",
                 "created_at": "timestamp"}
_MESSAGE_COLUMNS = ("parent_id", "role", "content", "output", "model_id", "files", "sources",
                    "embeds", "meta", "done", "status_history", "error", "usage",
                    "context_summary", "created_at")


def chat_response(chat: ChatRow, *, own: bool = True, share_mode: bool = False
                  ) -> dict[str, Any]:
    blob = dict(chat.chat) if isinstance(chat.chat, dict) else {}
    variables = chat.variables
    if share_mode:
        blob["share_mode"] = "continue" if own else None
    if not own:
        for key in _OWNER_ONLY:
            blob.pop(key, None)
        variables = {}
    return {"id": chat.id, "user_id": chat.user_id, "title": chat.title, "chat": blob,
            "updated_at": chat.updated_at, "created_at": chat.created_at,
            "share_id": chat.share_id, "archived": bool(chat.archived), "pinned": chat.pinned,
            "meta": chat.meta or {}, "variables": variables, "folder_id": chat.folder_id,
            "tasks": chat.tasks, "summary": chat.summary,
            "current_message_id": chat.current_message_id, "context_usage": None}


def title_item(chat: ChatRow) -> dict[str, Any]:
    return {"id": chat.id, "title": chat.title, "updated_at": chat.updated_at,
            "created_at": chat.created_at, "last_read_at": chat.last_read_at,
            "snippet": None, "active": False, "archived": bool(chat.archived)}


def tag_model(tag: TagRow) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "user_id": tag.user_id, "meta": tag.meta}


def message_id(row: ChatMessageRow) -> str:
    prefix = f"{row.chat_id}-"
    return row.id[len(prefix):] if row.id.startswith(prefix) else row.id


def message(row: ChatMessageRow, children: list[ChatMessageRow]) -> dict[str, Any]:
    """A node of the chat's tree, rebuilt from its row as Open WebUI rebuilds it: unset
    columns left out, `usage` mirrored into `info.usage`."""
    node: dict[str, Any] = {"id": message_id(row)}
    for column in _MESSAGE_COLUMNS:
        value = getattr(row, column)
        if value is not None or column == "parent_id":
            node[_MESSAGE_KEYS.get(column, column)] = value
    node.setdefault("content", "")
    node["childrenIds"] = [message_id(child) for child in children]
    if node.get("usage") is not None:
        node["info"] = {"usage": node["usage"]}
    return node


def shared_chat(snapshot) -> dict[str, Any]:
    """A share as Open WebUI serves it: a ChatResponse whose id is the share id."""
    return {"id": snapshot.share_id, "user_id": snapshot.owner_id, "title": snapshot.title,
            "chat": snapshot.chat, "updated_at": snapshot.updated_at,
            "created_at": snapshot.created_at, "share_id": snapshot.share_id,
            "archived": False, "pinned": False, "meta": {}, "variables": {},
            "folder_id": None, "tasks": None, "summary": None,
            "current_message_id": None, "context_usage": None}
