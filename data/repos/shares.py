"""Shared chats: a snapshot of a chat in `shared_chat`, found by its share id (the token
in the link).

No `access_grant` row is written: in Open WebUI a read grant on a shared chat also opens
the live chat, by its id, to everyone it names; Parley serves the snapshot by link
itself. Grants Open WebUI made go when the share does, as Open WebUI removes them."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from data.repos.chats import SHARED_CHAT_GRANT
from data.tables import AccessGrantRow, ChatRow, SharedChatRow


class ShareRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, share_id: str) -> SharedChatRow | None:
        stmt = (select(SharedChatRow).options(undefer("*"))
                .where(SharedChatRow.id == share_id)
                .execution_options(populate_existing=True))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def snapshot(self, chat: ChatRow, share_id: str | None, now: int) -> SharedChatRow:
        """Create the share (with a new id) or refresh its snapshot from `chat`."""
        row = await self.get(share_id) if share_id else None
        if row is None:
            row = SharedChatRow(id=str(uuid.uuid4()), chat_id=chat.id, user_id=chat.user_id,
                                created_at=now)
            self.session.add(row)
        row.title, row.chat, row.updated_at = chat.title, chat.chat, now
        await self.session.flush()
        return row

    async def delete_for_chat(self, chat_id: str) -> None:
        await self.session.execute(delete(SharedChatRow).where(SharedChatRow.chat_id == chat_id))
        await self.session.execute(delete(AccessGrantRow).where(
            AccessGrantRow.resource_type == SHARED_CHAT_GRANT,
            AccessGrantRow.resource_id == chat_id))
