"""Changing accounts: administrators' changes, and one's own profile."""

from datetime import date
from typing import Annotated

import strawberry

from resolvers.auth import accounts as auth
from resolvers.errors import DomainError
from resolvers.users import users
from schema.context import Info
from schema.errors import EmailTaken, expected
from schema.users.types import Role, User


@strawberry.input(description="An account an administrator adds.")
class AddUserInput:
    name: str = strawberry.field(description="The display name, 1 to 255 characters.")
    email: str = strawberry.field(description="The e-mail address to sign in with.")
    password: str = strawberry.field(description="The first password, 1 to 1024 characters.")
    role: Role = strawberry.field(default=Role.PENDING, description="What it may do.")
    profile_image_url: str = strawberry.field(default=auth.DEFAULT_IMAGE,
                                              description="The avatar's URL.")


@strawberry.input(description="An administrator's changes to an account; fields left out "
                              "(or null) keep their value.")
class UpdateUserInput:
    user_id: strawberry.ID = strawberry.field(description="The account to change.")
    name: str | None = strawberry.field(default=None, description="A new display name.")
    email: str | None = strawberry.field(default=None, description="A new e-mail address.")
    role: Role | None = strawberry.field(default=None, description="A new role.")
    profile_image_url: str | None = strawberry.field(default=None,
                                                     description="A new avatar URL.")
    password: str | None = strawberry.field(
        default=None, description="A new password; ends every session of the account.")


@strawberry.input(description="Which account.")
class UserIdInput:
    user_id: strawberry.ID = strawberry.field(description="The account's id.")


@strawberry.input(description="The caller's own profile. It is replaced as a whole: "
                              "optional fields left out are cleared.")
class UpdateProfileInput:
    name: str = strawberry.field(description="The display name, 1 to 255 characters.")
    profile_image_url: str = strawberry.field(description="The avatar's URL.")
    bio: str | None = strawberry.field(default=None, description="Free text about oneself.")
    gender: str | None = strawberry.field(default=None, description="As the person puts it.")
    date_of_birth: date | None = strawberry.field(default=None,
                                               description="The birth date, YYYY-MM-DD.")


@strawberry.type(description="The account added, and a token for it.")
class AddUserPayload:
    user: User = strawberry.field(description="The new account.")
    token: str = strawberry.field(description="A session token for the new account.")


@strawberry.type(description="The account after the change.")
class UserPayload:
    user: User = strawberry.field(description="The account as it is now.")


@strawberry.type(description="The outcome of deleteUser.")
class DeleteUserPayload:
    deleted_user_id: strawberry.ID = strawberry.field(description="The deleted account.")


@strawberry.type(description="The outcome of revokeUserSessions.")
class RevokeUserSessionsPayload:
    user_id: strawberry.ID = strawberry.field(
        description="The account whose session tokens (all of them) stopped working.")


AddUserResult = Annotated[AddUserPayload | EmailTaken, strawberry.union(
    "AddUserResult", description="The new account, or why none was added.")]
UpdateUserResult = Annotated[UserPayload | EmailTaken, strawberry.union(
    "UpdateUserResult", description="The changed account, or why it was not changed.")]

AddUserArg = Annotated[AddUserInput, strawberry.argument(description="The new account.")]
UpdateUserArg = Annotated[UpdateUserInput,
                          strawberry.argument(description="The account and its changes.")]
UserIdArg = Annotated[UserIdInput, strawberry.argument(description="The account.")]
UpdateProfileArg = Annotated[UpdateProfileInput,
                             strawberry.argument(description="The whole profile.")]


def _value(role: Role | None) -> str | None:
    return None if role is None else role.value


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Add an account (administrators only).")
    async def add_user(self, info: Info, input: AddUserArg) -> AddUserResult:
        ctx = info.context
        data = auth.NewUser(name=input.name, email=input.email, password=input.password,
                            role=input.role.value, profile_image_url=input.profile_image_url)
        try:
            session = await auth.add_user(ctx, data)
        except DomainError as error:
            return expected(ctx, error, EmailTaken)
        return AddUserPayload(user=User.from_row(session.user), token=session.token)

    @strawberry.mutation(description="Change an account (administrators only; the primary "
                                     "administrator only by itself).")
    async def update_user(self, info: Info, input: UpdateUserArg) -> UpdateUserResult:
        ctx = info.context
        changes = users.UserUpdate(name=input.name, email=input.email, role=_value(input.role),
                                   profile_image_url=input.profile_image_url,
                                   password=input.password)
        try:
            row = await users.update_user(ctx, str(input.user_id), changes)
        except DomainError as error:
            return expected(ctx, error, EmailTaken)
        return UserPayload(user=User.from_row(row))

    @strawberry.mutation(description="Delete an account with its chats (administrators "
                                     "only; never oneself or the primary administrator).")
    async def delete_user(self, info: Info, input: UserIdArg) -> DeleteUserPayload:
        await users.delete_user(info.context, str(input.user_id))
        return DeleteUserPayload(deleted_user_id=input.user_id)

    @strawberry.mutation(description="End every session of an account (administrators "
                                     "only).")
    async def revoke_user_sessions(self, info: Info,
                                   input: UserIdArg) -> RevokeUserSessionsPayload:
        await users.revoke_sessions(info.context, str(input.user_id))
        return RevokeUserSessionsPayload(user_id=input.user_id)

    @strawberry.mutation(description="Replace the caller's own profile (approved accounts).")
    async def update_profile(self, info: Info, input: UpdateProfileArg) -> UserPayload:
        birthday = input.date_of_birth.isoformat() if input.date_of_birth else None
        changes = users.ProfileUpdate(name=input.name, profile_image_url=input.profile_image_url,
                                      bio=input.bio, gender=input.gender,
                                      date_of_birth=birthday)
        return UserPayload(user=User.from_row(await users.update_profile(info.context,
                                                                         changes)))
