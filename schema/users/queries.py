"""Reading accounts."""

from typing import Annotated

import strawberry

from resolvers.users import users
from schema.context import Info
from schema.pagination import Connection, OrderDirection, offset_connection, start_after
from schema.users.types import User, UserOrder


@strawberry.type
class UserQueries:
    @strawberry.field(description="One account. Administrators read any account, everyone "
                                  "else only their own (FORBIDDEN otherwise).")
    async def user(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The account's id.")],
    ) -> User | None:
        return User.from_row(await users.get_user(info.context, str(id)))

    @strawberry.field(description="Every account, a page at a time (administrators only).")
    async def users(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 1 to {users.MAX_PAGE}.")] = 30,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
        query: Annotated[str | None, strawberry.argument(
            description="Keep accounts whose name or e-mail contains this text.")] = None,
        order_by: Annotated[UserOrder | None, strawberry.argument(
            description="Sort order; newest accounts first by default.")] = None,
    ) -> Connection[User]:
        order = order_by or UserOrder()
        offset = start_after("users", after)
        page = await users.list_users(
            info.context, query=query, order_by=order.field.value,
            descending=order.direction is OrderDirection.DESC, offset=offset, limit=first)
        return offset_connection("users", page.users, offset=offset, total=page.total,
                                 node=User.from_row)
