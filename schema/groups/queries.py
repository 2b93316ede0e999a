"""Reading groups."""

from typing import Annotated

import strawberry

from resolvers.groups import groups
from schema.context import Info
from schema.groups.types import Group
from schema.pagination import Connection, offset_connection, start_after


@strawberry.type
class GroupQueries:
    @strawberry.field(description="Every group, by name, a page at a time (administrators "
                                  "only).")
    async def groups(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 1 to {groups.MAX_PAGE}.")] = 30,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
        query: Annotated[str | None, strawberry.argument(
            description="Keep groups whose name contains this text.")] = None,
    ) -> Connection[Group]:
        offset = start_after("groups", after)
        rows, total = await groups.list_groups(info.context, name_contains=query,
                                               offset=offset, limit=first)
        return offset_connection("groups", rows, offset=offset, total=total,
                                 node=Group.from_row)
