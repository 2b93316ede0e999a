"""Open WebUI's `knowledge` rows and their files (`knowledge_file`). Who may see a
knowledge base lives in `access_grant` (resource type `knowledge`); the visibility rule
here is AccessGrantRepo.granted's, written as a subquery so that a page and its count
are one statement each."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from data.repos.access_grants import EVERYONE
from data.repos.chats import like_pattern
from data.tables import AccessGrantRow, FileRow, KnowledgeFileRow, KnowledgeRow, ModelRow
from data.tables.base import now_s

RESOURCE = "knowledge"
ORDERS = {"name": KnowledgeRow.name, "created_at": KnowledgeRow.created_at,
          "updated_at": KnowledgeRow.updated_at}


@dataclass(frozen=True)
class Visibility:
    """Whose knowledge bases a list shows: everyone's (`user_id` None), or the user's own
    and those granted to the user, the user's groups or everyone (`sees_all`: every one,
    as for administrators, who may still ask for their own or the others' only)."""

    user_id: str | None
    group_ids: tuple[str, ...] = ()
    mine: bool | None = None  # True: own only; False: the others only; None: both
    sees_all: bool = False


@dataclass(frozen=True)
class LinkedFile:
    file: FileRow
    link: KnowledgeFileRow


def _granted(user_id: str, group_ids: Sequence[str]):
    principals = [and_(AccessGrantRow.principal_type == "user",
                       AccessGrantRow.principal_id.in_([user_id, EVERYONE]))]
    if group_ids:
        principals.append(and_(AccessGrantRow.principal_type == "group",
                               AccessGrantRow.principal_id.in_(list(group_ids))))
    return select(AccessGrantRow.resource_id).where(
        AccessGrantRow.resource_type == RESOURCE,
        AccessGrantRow.permission.in_(["read", "write"]), or_(*principals))


class KnowledgeRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, knowledge_id: str) -> KnowledgeRow | None:
        return await self.session.get(KnowledgeRow, knowledge_id)

    async def add(self, row: KnowledgeRow) -> None:
        self.session.add(row)
        await self.session.flush()

    def _where(self, seen: Visibility, search: str | None) -> list:
        where = []
        if seen.user_id is not None:
            own = KnowledgeRow.user_id == seen.user_id
            granted = true() if seen.sees_all else KnowledgeRow.id.in_(
                _granted(seen.user_id, seen.group_ids))
            where.append({True: own, False: and_(~own, granted)}.get(seen.mine, or_(own, granted)))
        elif seen.mine is not None:
            raise ValueError("`mine` needs a user")
        if search:
            pattern = like_pattern(search)
            where.append(or_(func.lower(KnowledgeRow.name).like(pattern, escape="\\"),
                             func.lower(KnowledgeRow.description).like(pattern, escape="\\")))
        return where

    async def page(self, seen: Visibility, *, search: str | None = None, offset: int = 0,
                   limit: int | None = None, order: str = "updated_at",
                   descending: bool = True) -> Sequence[KnowledgeRow]:
        column = ORDERS[order]
        stmt = (select(KnowledgeRow).where(*self._where(seen, search))
                .order_by(column.desc() if descending else column.asc(),
                          KnowledgeRow.id.desc() if descending else KnowledgeRow.id.asc())
                .offset(offset))
        if limit is not None:
            stmt = stmt.limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def count(self, seen: Visibility, *, search: str | None = None) -> int:
        stmt = select(func.count()).select_from(KnowledgeRow).where(*self._where(seen, search))
        return (await self.session.execute(stmt)).scalar_one()

    async def delete(self, knowledge_id: str) -> None:
        """The row, its file links and its grants (SQLite runs without foreign keys, as
        Open WebUI's does, so the links go explicitly)."""
        for stmt in (delete(KnowledgeFileRow).where(KnowledgeFileRow.knowledge_id == knowledge_id),
                     delete(AccessGrantRow).where(AccessGrantRow.resource_type == RESOURCE,
                                                  AccessGrantRow.resource_id == knowledge_id),
                     delete(KnowledgeRow).where(KnowledgeRow.id == knowledge_id)):
            await self.session.execute(stmt)

    async def drop_from_models(self, knowledge_id: str) -> int:
        """Take the knowledge base out of every model's `meta.knowledge` (a list of
        objects with an `id`, or of ids); how many models changed. Models are few, so
        they are read and filtered here rather than by a JSON query per dialect."""
        changed = 0
        for row in (await self.session.execute(select(ModelRow))).scalars():
            meta = row.meta if isinstance(row.meta, dict) else None
            items = meta.get("knowledge") if meta else None
            if not isinstance(items, list):
                continue
            kept = [item for item in items if item != knowledge_id
                    and not (isinstance(item, dict) and item.get("id") == knowledge_id)]
            if len(kept) != len(items):
                row.meta = {**meta, "knowledge": kept}
                changed += 1
        await self.session.flush()
        return changed

    # ---- files ---------------------------------------------------------------------

    async def link(self, knowledge_id: str, file_id: str, user_id: str,
                   directory_id: str | None = None) -> KnowledgeFileRow:
        now = now_s()
        row = KnowledgeFileRow(id=str(uuid.uuid4()), knowledge_id=knowledge_id, file_id=file_id,
                               directory_id=directory_id, user_id=user_id, created_at=now,
                               updated_at=now)
        self.session.add(row)
        await self.session.flush()
        return row

    async def linked_ids(self, knowledge_id: str, file_ids: Sequence[str]) -> set[str]:
        stmt = select(KnowledgeFileRow.file_id).where(
            KnowledgeFileRow.knowledge_id == knowledge_id,
            KnowledgeFileRow.file_id.in_(list(file_ids)))
        return set((await self.session.execute(stmt)).scalars())

    async def unlink(self, knowledge_id: str, file_ids: Sequence[str] | None = None) -> int:
        """Remove these files (all, with None) from the knowledge base; how many went."""
        stmt = delete(KnowledgeFileRow).where(KnowledgeFileRow.knowledge_id == knowledge_id)
        if file_ids is not None:
            stmt = stmt.where(KnowledgeFileRow.file_id.in_(list(file_ids)))
        return (await self.session.execute(stmt)).rowcount or 0

    async def knowledge_ids_of_file(self, file_id: str) -> list[str]:
        stmt = select(KnowledgeFileRow.knowledge_id).where(KnowledgeFileRow.file_id == file_id)
        return list((await self.session.execute(stmt)).scalars())

    def _files(self, knowledge_ids: Sequence[str], search: str | None):
        stmt = (select(FileRow, KnowledgeFileRow)
                .join(KnowledgeFileRow, KnowledgeFileRow.file_id == FileRow.id)
                .where(KnowledgeFileRow.knowledge_id.in_(list(knowledge_ids))))
        if search:
            stmt = stmt.where(func.lower(FileRow.filename).like(like_pattern(search),
                                                                escape="\\"))
        return stmt

    async def files_page(self, knowledge_id: str, *, search: str | None = None,
                         offset: int = 0, limit: int | None = None) -> list[LinkedFile]:
        """Most recently added first."""
        stmt = (self._files([knowledge_id], search)
                .order_by(KnowledgeFileRow.created_at.desc(), KnowledgeFileRow.file_id)
                .offset(offset))
        if limit is not None:
            stmt = stmt.limit(limit)
        return [LinkedFile(f, k) for f, k in (await self.session.execute(stmt)).all()]

    async def files_count(self, knowledge_id: str, *, search: str | None = None) -> int:
        stmt = self._files([knowledge_id], search).with_only_columns(func.count())
        return (await self.session.execute(stmt)).scalar_one()

    async def file_windows(self, knowledge_ids: Sequence[str], offset: int, limit: int
                           ) -> dict[str, list[FileRow]]:
        """The same window of files of each knowledge base, in one statement."""
        place = func.row_number().over(
            partition_by=KnowledgeFileRow.knowledge_id,
            order_by=(KnowledgeFileRow.created_at.desc(), KnowledgeFileRow.file_id)
        ).label("place")
        ranked = (select(KnowledgeFileRow.knowledge_id, KnowledgeFileRow.file_id, place)
                  .where(KnowledgeFileRow.knowledge_id.in_(list(knowledge_ids))).subquery())
        stmt = (select(FileRow, ranked.c.knowledge_id)
                .join(ranked, ranked.c.file_id == FileRow.id)
                .where(ranked.c.place > offset, ranked.c.place <= offset + limit)
                .order_by(ranked.c.knowledge_id, ranked.c.place))
        found: dict[str, list[FileRow]] = defaultdict(list)
        for file, knowledge_id in (await self.session.execute(stmt)).all():
            found[knowledge_id].append(file)
        return dict(found)

    async def file_counts(self, knowledge_ids: Sequence[str]) -> dict[str, int]:
        stmt = (select(KnowledgeFileRow.knowledge_id, func.count())
                .where(KnowledgeFileRow.knowledge_id.in_(list(knowledge_ids)))
                .group_by(KnowledgeFileRow.knowledge_id))
        return {kid: n for kid, n in (await self.session.execute(stmt)).all()}
