"""API keys and revoked tokens."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data.db import note_access_change
from data.tables import ApiKeyRow, RevokedTokenRow


class ApiKeyRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def for_user(self, user_id: str) -> ApiKeyRow | None:
        stmt = select(ApiKeyRow).where(ApiKeyRow.user_id == user_id).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(self, stored_forms: Sequence[str]) -> ApiKeyRow | None:
        stmt = select(ApiKeyRow).where(ApiKeyRow.key.in_(list(stored_forms))).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def replace(self, row: ApiKeyRow) -> None:
        """One key per user, as Open WebUI keeps it: a new key deletes the old row."""
        await self.delete_for_user(row.user_id)
        self.session.add(row)
        await self.session.flush()

    async def delete_for_user(self, user_id: str) -> int:
        result = await self.session.execute(delete(ApiKeyRow).where(ApiKeyRow.user_id == user_id))
        if result.rowcount:
            note_access_change(self.session, user_id)
        return result.rowcount or 0

    async def touch(self, key_id: str, now: int, older_than: int = 60) -> None:
        await self.session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key_id,
                   (ApiKeyRow.last_used_at.is_(None)) | (ApiKeyRow.last_used_at < now - older_than))
            .values(last_used_at=now))


class RevokedTokenRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def revoke(self, jti: str, user_id: str, expires_at: int | None, now: int) -> None:
        if await self.session.get(RevokedTokenRow, jti) is None:
            self.session.add(RevokedTokenRow(jti=jti, user_id=user_id, expires_at=expires_at,
                                             revoked_at=now))
        # Sign-outs are rare; pruning here keeps the table at the size of live tokens.
        await self.session.execute(
            delete(RevokedTokenRow).where(RevokedTokenRow.expires_at < now))
        await self.session.flush()
        note_access_change(self.session, user_id)
