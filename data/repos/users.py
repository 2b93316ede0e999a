"""Users and their credentials: the `user` and `auth` rows Open WebUI also reads."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data.db import note_access_change
from data.repos.rows import core_rows
from data.tables import (
    AuthRow,
    ChatMessageRow,
    ChatRow,
    GroupMemberRow,
    MetaRow,
    SharedChatRow,
    UserRow,
)

PRIMARY_ADMIN_KEY = "primary_admin_id"
SORTABLE = {"name", "email", "created_at", "last_active_at", "updated_at", "role"}
# `auth` columns whose change ends sessions or sign-ins (see data.db.note_access_change).
SIGN_IN_COLUMNS = frozenset({"password", "session_stamp", "active"})
SUMMARY = (UserRow.id, UserRow.email, UserRow.name, UserRow.role, UserRow.profile_image_url,
           UserRow.bio, UserRow.timezone, UserRow.created_at, UserRow.updated_at,
           UserRow.last_active_at)
UserSummary = namedtuple("UserSummary", [column.key for column in SUMMARY])
_SUMMARIES_BY_IDS = select(*SUMMARY).where(
    UserRow.id.in_(bindparam("user_ids", expanding=True)))




def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class UserRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, user_id: str) -> UserRow | None:
        return await self.session.get(UserRow, user_id)

    async def get_by_email(self, email: str) -> UserRow | None:
        stmt = select(UserRow).where(func.lower(UserRow.email) == email.lower()).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_auth(self, user_id: str) -> AuthRow | None:
        return await self.session.get(AuthRow, user_id)

    async def credentials_by_email(self, email: str) -> tuple[UserRow, AuthRow] | None:
        stmt = (select(UserRow, AuthRow).join(AuthRow, AuthRow.id == UserRow.id)
                .where(func.lower(UserRow.email) == email.lower()).limit(1))
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1]) if row else None

    async def record_primary_admin(self, user_id: str) -> None:
        self.session.add(MetaRow(key=PRIMARY_ADMIN_KEY, value=user_id))
        await self.session.flush()

    async def count(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(UserRow))).scalar_one()

    async def primary_admin_id(self) -> str | None:
        """The account recorded at the first sign-up; on a database Parley did not start,
        the earliest-created administrator (Open WebUI's first user, who is its admin)."""
        recorded = (select(UserRow.id).join(MetaRow, MetaRow.value == UserRow.id)
                    .where(MetaRow.key == PRIMARY_ADMIN_KEY))
        found = (await self.session.execute(recorded)).scalar_one_or_none()
        if found is not None:
            return found
        stmt = (select(UserRow.id).where(UserRow.role == "admin")
                .order_by(UserRow.created_at, UserRow.id).limit(1))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(self, *, query: str | None, order_by: str, descending: bool,
                   offset: int, limit: int | None) -> tuple[Sequence[UserRow], int]:
        """One page (every row from `offset` when `limit` is None) and the total."""
        where = []
        if query:
            pattern = _like(query)
            where.append(or_(func.lower(UserRow.name).like(pattern, escape="\\"),
                             func.lower(UserRow.email).like(pattern, escape="\\")))
        column = getattr(UserRow, order_by if order_by in SORTABLE else "created_at")
        ordering = (column.desc(), UserRow.id.desc()) if descending else (column.asc(),
                                                                         UserRow.id.asc())
        stmt = select(UserRow).where(*where).order_by(*ordering).offset(offset).limit(limit)
        rows = (await self.session.execute(stmt)).scalars().all()
        total_stmt = select(func.count()).select_from(UserRow).where(*where)
        total = (await self.session.execute(total_stmt)).scalar_one()
        return rows, total

    async def add(self, user: UserRow, auth: AuthRow) -> None:
        self.session.add_all([user, auth])
        await self.session.flush()

    async def update_user(self, user_id: str, values: dict) -> None:
        await self.session.execute(update(UserRow).where(UserRow.id == user_id).values(**values))
        if "role" in values:
            note_access_change(self.session, user_id)

    async def update_auth(self, user_id: str, values: dict) -> None:
        await self.session.execute(update(AuthRow).where(AuthRow.id == user_id).values(**values))
        if values.keys() & SIGN_IN_COLUMNS:
            note_access_change(self.session, user_id)

    async def touch_active(self, user_id: str, now: int, older_than: int) -> None:
        """Refresh last_active_at, at most once per `older_than` window (no write per request)."""
        await self.session.execute(
            update(UserRow)
            .where(and_(UserRow.id == user_id, UserRow.last_active_at < now - older_than))
            .values(last_active_at=now))

    async def delete(self, user_id: str) -> None:
        """Delete what Open WebUI deletes with a user: memberships, chats (with their
        messages and share snapshots), the user and auth rows. SQLite runs without foreign
        keys, so children go explicitly."""
        chat_ids = select(ChatRow.id).where(ChatRow.user_id == user_id)
        await self.session.execute(delete(GroupMemberRow).where(GroupMemberRow.user_id == user_id))
        await self.session.execute(
            delete(ChatMessageRow).where(ChatMessageRow.chat_id.in_(chat_ids)))
        await self.session.execute(delete(SharedChatRow).where(SharedChatRow.chat_id.in_(chat_ids)))
        await self.session.execute(delete(ChatRow).where(ChatRow.user_id == user_id))
        await self.session.execute(delete(UserRow).where(UserRow.id == user_id))
        await self.session.execute(delete(AuthRow).where(AuthRow.id == user_id))
        note_access_change(self.session, user_id)

    async def by_ids(self, user_ids: Sequence[str]) -> Sequence[UserSummary]:
        """The accounts' public columns (UserSummary, read like a UserRow): what owners
        of chats and files show. Plain rows: an ORM object, tracked and expired when the
        unit of work closes, cost more than the read itself on a page of chats."""
        if not user_ids:
            return []
        if self.session.new or self.session.dirty:  # read what this unit of work changed
            await self.session.flush()
        make = UserSummary._make
        return [make(row) for row in await core_rows(self.session, _SUMMARIES_BY_IDS,
                                                     {"user_ids": list(user_ids)})]
