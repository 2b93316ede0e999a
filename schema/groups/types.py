"""The Group type: a group of accounts, with its members a page at a time."""

from datetime import datetime
from typing import Annotated

import strawberry

from data.tables import GroupRow
from resolvers.groups import groups
from schema.context import Info
from schema.pagination import Connection, offset_connection, start_after
from schema.scalars import timestamp
from schema.users.types import User


@strawberry.type(description="A group of accounts. Administrators manage groups, and an "
                             "identity provider may provision them over SCIM.")
class Group:
    id: strawberry.ID = strawberry.field(description="The group's UUID, as on REST and SCIM.")
    name: str = strawberry.field(description="The group's name.")
    description: str | None = strawberry.field(description="What the group is for.")
    created_at: datetime | None = strawberry.field(description="When the group was created.")
    updated_at: datetime | None = strawberry.field(
        description="When the group (or its membership) last changed.")

    @classmethod
    def from_row(cls, row: GroupRow) -> "Group":
        return cls(id=strawberry.ID(row.id), name=row.name or "", description=row.description,
                   created_at=timestamp(row.created_at), updated_at=timestamp(row.updated_at))

    @strawberry.field(description="How many accounts are in the group (administrators only).")
    async def member_count(self, info: Info) -> int:
        return await groups.member_count(info.context, str(self.id))

    @strawberry.field(description="The accounts in the group, by name, a page at a time "
                                  "(administrators only).")
    async def members(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 1 to {groups.MAX_PAGE}.")] = 30,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
    ) -> Connection[User]:
        offset = start_after("members", after)
        rows = await groups.members_of_group(info.context, str(self.id), offset=offset,
                                             limit=first)
        total = await groups.member_count(info.context, str(self.id))
        return offset_connection("members", rows, offset=offset, total=total,
                                 node=User.from_row)
