"""Backfill `chat_message` rows for chats that have none.

Open WebUI databases from before it kept a row per message (and chats imported since by
paths that skip them) hold their messages only in the `chat.chat` JSON tree. Parley
reads messages from `chat_message`, so each such chat gets its rows once, from its tree.
Chats are read one at a time in id order, a page of ids at a time, never all at once;
progress is logged on the `parley` logger. Chats that already have rows are not touched,
so running it again changes nothing. No table's schema changes: this is data only.

Revision ID: 0004_backfill_chat_messages
Revises: 0003_meta
Create Date: 2026-11-26
"""

import logging
import time

import sqlalchemy as sa
from alembic import op

from data.chat_json import row_values
from data.tables import ChatMessageRow, ChatRow

revision = "0004_backfill_chat_messages"
down_revision = "0003_meta"
branch_labels = None
depends_on = None

IDS_PER_PAGE = 500
ROWS_PER_INSERT = 200
LOG_EVERY = 100
log = logging.getLogger("parley")


def upgrade() -> None:
    conn = op.get_bind()
    chat, message = ChatRow.__table__, ChatMessageRow.__table__
    without_rows = ~sa.exists().where(message.c.chat_id == chat.c.id)
    total = conn.execute(sa.select(sa.func.count()).select_from(chat)
                         .where(without_rows)).scalar_one()
    if not total:
        return
    log.info("backfilling chat_message rows: %d chats have none", total)
    seen, filled, last_id = 0, 0, ""
    while True:
        ids = conn.execute(sa.select(chat.c.id).where(without_rows, chat.c.id > last_id)
                           .order_by(chat.c.id).limit(IDS_PER_PAGE)).scalars().all()
        if not ids:
            break
        for chat_id in ids:
            filled += _backfill_chat(conn, chat_id)
            seen += 1
            if seen % LOG_EVERY == 0 or seen == total:
                log.info("backfilling chat_message rows: %d of %d chats (%d rows)",
                         seen, total, filled)
        last_id = ids[-1]


def _backfill_chat(conn: sa.Connection, chat_id: str) -> int:
    chat = ChatRow.__table__
    found = conn.execute(sa.select(chat.c.user_id, chat.c.chat, chat.c.current_message_id)
                         .where(chat.c.id == chat_id)).one()
    history = found.chat.get("history") if isinstance(found.chat, dict) else None
    nodes = history.get("messages") if isinstance(history, dict) else None
    if not isinstance(nodes, dict) or not nodes:
        return 0
    now = int(time.time())
    rows = [row_values(chat_id, found.user_id, str(message_id), node, now)
            for message_id, node in nodes.items() if isinstance(node, dict)]
    for at in range(0, len(rows), ROWS_PER_INSERT):
        conn.execute(ChatMessageRow.__table__.insert(), rows[at:at + ROWS_PER_INSERT])
    current = history.get("currentId")
    if found.current_message_id is None and isinstance(current, str) and current in nodes:
        conn.execute(sa.update(chat).where(chat.c.id == chat_id)
                     .values(current_message_id=current))
    return len(rows)


def downgrade() -> None:
    """The rows are Open WebUI's own format and stay."""
