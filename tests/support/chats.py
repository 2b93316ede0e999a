"""Reading chats straight from the database, to check what the routes stored: the JSON
tree in `chat.chat` and its `chat_message` rows must always agree."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from data.tables import ChatMessageRow, ChatRow


async def stored(app, chat_id: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the chat row's columns with its tree, {message id: row}) as committed, both from
    one snapshot: an answer being written may commit between the two reads."""
    async with app.state.services.sessionmaker() as session:
        if session.bind.dialect.name == "postgresql":  # a SQLite transaction is one already
            await session.connection(
                execution_options={"isolation_level": "REPEATABLE READ"})
        chat = await session.get(ChatRow, chat_id)
        rows = (await session.execute(select(ChatMessageRow).where(
            ChatMessageRow.chat_id == chat_id))).scalars().all()
    columns = None if chat is None else {
        c: getattr(chat, c) for c in ("chat", "title", "current_message_id", "updated_at",
                                      "archived", "pinned", "folder_id", "meta", "share_id")}
    names = [c.name for c in ChatMessageRow.__table__.columns]
    return columns, {r.id[len(chat_id) + 1:]: SimpleNamespace(**{n: getattr(r, n)
                                                                  for n in names})
                     for r in rows}


async def assert_in_step(app, chat_id: str) -> dict[str, Any]:
    """The tree is consistent and every node has a matching row; returns the history."""
    chat, rows = await stored(app, chat_id)
    assert chat is not None
    history = chat["chat"]["history"]
    messages, current = history["messages"], history["currentId"]
    assert set(rows) == set(messages)
    for message_id, node in messages.items():
        row = rows[message_id]
        assert node["id"] == message_id
        assert row.parent_id == node["parentId"] and row.role == node["role"]
        assert row.content == node["content"]
        parent = node["parentId"]
        assert parent is None or message_id in messages[parent]["childrenIds"]
        assert all(messages[c]["parentId"] == message_id for c in node["childrenIds"])
    assert chat["current_message_id"] == current
    assert (current is None) == (not messages)
    if current is not None:
        assert messages[current]["childrenIds"] == []
    return history
