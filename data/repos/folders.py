"""Folders: read only here (Open WebUI's folder routes are not served yet); chats point
at them through `chat.folder_id`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import FolderRow


class FolderRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get_for_user(self, folder_id: str, user_id: str) -> FolderRow | None:
        stmt = select(FolderRow).where(FolderRow.id == folder_id, FolderRow.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_ids(self, folder_ids: Sequence[str]) -> Sequence[FolderRow]:
        if not folder_ids:
            return []
        stmt = select(FolderRow).where(FolderRow.id.in_(list(folder_ids)))
        return (await self.session.execute(stmt)).scalars().all()
