"""Migration 0004 gives chats without `chat_message` rows their rows, from their trees:
in batches, with progress in the log, once, and without touching any table's schema."""

import logging
import uuid

import httpx
from sqlalchemy import delete, func, select

from asgi import create_app
from data.db import create_engine
from data.migrate import alembic_config, migrate
from data.settings import database_url as async_url
from data.tables import ChatMessageRow, ChatRow
from tests.conftest import bearer, make_settings
from tests.fixtures.openwebui_db import (
    openwebui_metadata,
    schema_snapshot,
    seed_openwebui_data,
)

EXTRA_CHATS = 120  # more than the migration logs at once (every 100 chats)


def _older_chats(conn, owner_id: str) -> None:
    """Chats written the way old Open WebUI versions left them: a tree, no rows, no
    current_message_id column value, one with millisecond timestamps, one empty."""
    chat = openwebui_metadata(conn.dialect.name).tables["chat"]
    rows = []
    for i in range(EXTRA_CHATS):
        stamp = 1_700_000_000 + i
        q, a = f"q{i}", f"a{i}"
        messages = {
            q: {"id": q, "parentId": None, "childrenIds": [a], "role": "user",
                "content": f"question {i}", "timestamp": stamp * (1000 if i == 7 else 1)},
            a: {"id": a, "parentId": q, "childrenIds": [], "role": "assistant",
                "content": [{"type": "text", "text": f"answer {i}"}], "model": "old-model",
                "timestamp": stamp + 1, "done": True,
                "info": {"usage": {"total_tokens": i}}},
        }
        blob = {"title": f"old {i}", "history": {"messages": messages, "currentId": a}}
        if i == 0:
            blob = {"title": "empty", "history": {"messages": {}, "currentId": None}}
        rows.append({"id": f"old-{i:03d}-{uuid.uuid4()}", "user_id": owner_id,
                     "title": blob["title"], "chat": blob, "created_at": stamp,
                     "updated_at": stamp, "archived": False, "pinned": False, "meta": {},
                     "current_message_id": None})
    conn.execute(chat.insert(), rows)


def _downgrade_to(conn, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(conn), revision)


async def _prepared(url: str) -> tuple[dict, dict, list]:
    engine = create_engine(async_url(url))
    async with engine.begin() as conn:
        seeded = await conn.run_sync(seed_openwebui_data)
        original = (await conn.execute(select(ChatMessageRow.__table__)
                                       .order_by(ChatMessageRow.id))).all()
        await conn.execute(delete(ChatMessageRow))
        await conn.run_sync(_older_chats, seeded["admin_id"])
    async with engine.connect() as conn:
        before = await conn.run_sync(schema_snapshot)
    await engine.dispose()
    return seeded, before, original


async def test_backfill_restores_rows_in_batches_once(openwebui_database_url, caplog, tmp_path):
    seeded, before, original = await _prepared(openwebui_database_url)
    engine = create_engine(async_url(openwebui_database_url))
    try:
        with caplog.at_level(logging.INFO, logger="parley"):
            assert await migrate(engine) == "openwebui"
        async with engine.connect() as conn:
            after = await conn.run_sync(schema_snapshot)
            rows = {r.id: r for r in (await conn.execute(select(ChatMessageRow.__table__)))}
            chats = {c.id: c for c in (await conn.execute(
                select(ChatRow.id, ChatRow.current_message_id))).all()}
        progress = [r.getMessage() for r in caplog.records if "backfilling" in r.getMessage()]
        # Run again from the revision before (the later ones undone through Alembic, so
        # they apply again): only the chat with no messages is left.
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, "0003_meta")
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="parley"):
            assert await migrate(engine) == "openwebui"
        again = [r.getMessage() for r in caplog.records if "backfilling" in r.getMessage()]
        assert again[0] == "backfilling chat_message rows: 1 chats have none"
        async with engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(ChatMessageRow))
                     ).scalar_one()
        assert count == len(rows)
    finally:
        await engine.dispose()
    total = EXTRA_CHATS + 1
    assert progress[0] == f"backfilling chat_message rows: {total} chats have none"
    assert progress[1].startswith(f"backfilling chat_message rows: 100 of {total} chats (")
    assert progress[2] == (f"backfilling chat_message rows: {total} of {total} chats "
                           f"({3 + 2 * (EXTRA_CHATS - 1)} rows)")
    assert after == before  # data only: no Open WebUI table changed shape
    for row in original:  # the seeded chat's rows come back as Open WebUI wrote them
        again = rows[row.id]
        for column in ("chat_id", "role", "parent_id", "content", "model_id", "usage",
                       "created_at", "done"):
            assert getattr(again, column) == getattr(row, column), column
    assert len(rows) == 3 + 2 * (EXTRA_CHATS - 1)
    old = next(c for c in chats if c.startswith("old-007"))
    assert rows[f"{old}-q7"].created_at == 1_700_000_007  # milliseconds recognised
    assert rows[f"{old}-a7"].usage == {"total_tokens": 7}
    assert rows[f"{old}-a7"].content == [{"type": "text", "text": "answer 7"}]
    assert chats[old].current_message_id == "a7"

    app = create_app(make_settings(tmp_path, openwebui_database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ow.test") as client:
            signin = await client.post("/api/v1/auths/signin", json={
                "email": seeded["admin_email"], "password": seeded["admin_password"]})
            token = signin.json()["token"]
            listed = await client.get(f"/api/chats/{seeded['chat_id']}/messages",
                                      headers=bearer(token))
    user, _, second = seeded["message_ids"]
    assert [m["id"] for m in listed.json()["items"]] == [user, second]
