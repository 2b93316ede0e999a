"""The KnowledgeBase type. `owner`, `files`, `fileCount` and `grants` go through the unit
of work's dataloaders, so a page of knowledge bases with all of them costs a fixed number
of statements; a mutation's answer carries its files and grants as they were written."""

from datetime import datetime
from typing import Annotated

import strawberry

from data.tables import AccessGrantRow, FileRow, KnowledgeRow
from resolvers.knowledge import fields
from resolvers.knowledge.rules import KnowledgeBase as FoundKnowledge
from schema.context import Info
from schema.files.types import File
from schema.models.types import AccessGrant, Permission, PrincipalType
from schema.pagination import Connection, offset_connection, start_after
from schema.scalars import timestamp
from schema.users.types import User


def grant_of(row: AccessGrantRow) -> AccessGrant:
    return AccessGrant(principal_type=PrincipalType(row.principal_type),
                       principal_id=row.principal_id, permission=Permission(row.permission))


@strawberry.type(description="A knowledge base: files its owner shares with users and "
                             "groups, searchable by meaning (Open WebUI's `knowledge`).")
class KnowledgeBase:
    id: strawberry.ID = strawberry.field(description="Its id (the same as over REST, and "
                                                     "the name of its vector collection).")
    name: str = strawberry.field(description="Its name.")
    description: str = strawberry.field(description="What it holds.")
    write_access: bool = strawberry.field(description="Whether the caller may change it.")
    created_at: datetime = strawberry.field(description="When it was made.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    user_id: strawberry.Private[str]
    # Set on a mutation's answer: what the write left, read in its own transaction.
    written_files: strawberry.Private[tuple[FileRow, ...] | None] = None
    written_grants: strawberry.Private[tuple[AccessGrantRow, ...] | None] = None

    @classmethod
    def from_row(cls, row: KnowledgeRow, write_access: bool) -> "KnowledgeBase":
        return cls(id=strawberry.ID(row.id), name=row.name, description=row.description or "",
                   write_access=write_access, created_at=timestamp(row.created_at),
                   updated_at=timestamp(row.updated_at), user_id=row.user_id)

    @classmethod
    def from_found(cls, found: FoundKnowledge) -> "KnowledgeBase":
        made = cls.from_row(found.row, found.write_access)
        made.written_files, made.written_grants = found.files, found.grants
        return made

    @strawberry.field(description="Who made it.")
    async def owner(self, info: Info) -> User | None:
        row = await fields.knowledge_owner(info.context, self.user_id)
        return User.from_row(row) if row else None

    @strawberry.field(description="How many files it holds.")
    async def file_count(self, info: Info) -> int:
        if self.written_files is not None:
            return len(self.written_files)
        return await fields.knowledge_file_count(info.context, str(self.id))

    @strawberry.field(description="Who it is shared with (its owner and administrators "
                                  "need no grant).")
    async def grants(self, info: Info) -> list[AccessGrant]:
        rows = self.written_grants
        if rows is None:
            rows = await fields.knowledge_grants(info.context, str(self.id))
        return [grant_of(g) for g in rows if g.principal_type in ("user", "group")]

    @strawberry.field(description="Its files, most recently added first, a page at a time.")
    async def files(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 0 to {fields.MAX_FILES}.")] = 30,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
    ) -> Connection[File]:
        offset = start_after("knowledgeFiles", after)
        fields.check_window(offset, first)
        if self.written_files is not None:
            rows = list(self.written_files[offset:offset + first])
            total = len(self.written_files)
        else:
            rows, total = await fields.knowledge_files(info.context, str(self.id),
                                                       offset=offset, limit=first)
        return offset_connection("knowledgeFiles", rows, offset=offset, total=total,
                                 node=File.from_row)
