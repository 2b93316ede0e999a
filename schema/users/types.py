"""The User type and the inputs that sort and filter accounts."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from data.tables import UserRow
from resolvers.groups import groups
from schema.context import Info
from schema.pagination import OrderDirection
from schema.scalars import timestamp

if TYPE_CHECKING:
    from schema.groups.types import Group


@strawberry.enum(description="What an account may do.")
class Role(Enum):
    PENDING = strawberry.enum_value(
        "pending", description="Signed up; waits for an administrator's approval.")
    USER = strawberry.enum_value("user", description="A regular account.")
    ADMIN = strawberry.enum_value("admin", description="An administrator.")


@strawberry.type(description="An account. Timestamps are DateTime: ISO 8601, in UTC.")
class User:
    id: strawberry.ID = strawberry.field(description="The account's UUID, as on REST.")
    email: str | None = strawberry.field(description="The sign-in e-mail address.")
    name: str = strawberry.field(description="The display name.")
    role: Role = strawberry.field(description="What the account may do.")
    profile_image_url: str | None = strawberry.field(
        description="An http(s) URL, a server path or a data: URL of the avatar.")
    bio: str | None = strawberry.field(description="Free text the person wrote about "
                                                   "themselves.")
    timezone: str | None = strawberry.field(default=None,
                                            description="The IANA time zone the person's "
                                                        "client reported, e.g. Europe/Paris.")
    created_at: datetime = strawberry.field(description="When the account was created.")
    updated_at: datetime = strawberry.field(description="When the account last changed.")
    last_active_at: datetime = strawberry.field(
        description="When the account was last seen (refreshed at most once a minute).")

    @classmethod
    def fields_of(cls, row: UserRow) -> dict:
        return dict(id=strawberry.ID(row.id), email=row.email, name=row.name,
                    role=Role(row.role), profile_image_url=row.profile_image_url,
                    bio=row.bio, timezone=row.timezone, created_at=timestamp(row.created_at),
                    updated_at=timestamp(row.updated_at),
                    last_active_at=timestamp(row.last_active_at))

    @classmethod
    def from_row(cls, row: UserRow) -> "User":
        return cls(**cls.fields_of(row))

    @strawberry.field(description="The groups the account is in, by name (administrators, "
                                  "and each person for their own account).")
    async def groups(self, info: Info
                     ) -> 'list[Annotated[Group, strawberry.lazy("schema.groups.types")]]':
        from schema.groups.types import Group  # the types refer to each other

        rows = await groups.groups_of_user(info.context, str(self.id))
        return [Group.from_row(row) for row in rows]


@strawberry.enum(description="What accounts can be sorted by.")
class UserOrderField(Enum):
    NAME = strawberry.enum_value("name", description="The display name.")
    EMAIL = strawberry.enum_value("email", description="The e-mail address.")
    ROLE = strawberry.enum_value("role", description="The role's name.")
    CREATED_AT = strawberry.enum_value("created_at", description="Creation time.")
    UPDATED_AT = strawberry.enum_value("updated_at", description="Last change.")
    LAST_ACTIVE_AT = strawberry.enum_value("last_active_at", description="Last activity.")


@strawberry.input(description="How to sort a list of accounts.")
class UserOrder:
    field: UserOrderField = strawberry.field(default=UserOrderField.CREATED_AT,
                                             description="What to sort by.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC,
                                                 description="Which way.")
