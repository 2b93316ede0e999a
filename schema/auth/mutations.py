"""Signing up, in and out; passwords; API keys."""

import time
from typing import Annotated

import strawberry
from starlette.responses import Response

from resolvers.auth import accounts as auth
from resolvers.errors import DomainError
from schema.auth.types import AuthSession
from schema.context import Info
from schema.errors import (
    EmailTaken,
    IncorrectPassword,
    InvalidCredentials,
    RateLimitExceeded,
    SignUpClosed,
    expected,
)


@strawberry.input(description="A new account's details.")
class SignUpInput:
    name: str = strawberry.field(description="The display name, 1 to 255 characters.")
    email: str = strawberry.field(description="The e-mail address to sign in with.")
    password: str = strawberry.field(description="The password, 1 to 1024 characters.")
    profile_image_url: str = strawberry.field(
        default=auth.DEFAULT_IMAGE, description="An http(s) URL, a server path or a "
                                                "base64 data: URL of the avatar.")


@strawberry.input(description="Credentials to sign in with.")
class SignInInput:
    email: str = strawberry.field(description="The account's e-mail address.")
    password: str = strawberry.field(description="The account's password.")


@strawberry.input(description="The current password and its replacement.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="The new password, 1 to 1024 "
                                                     "characters.")


@strawberry.type(description="The outcome of signOut.")
class SignOutPayload:
    signed_out: bool = strawberry.field(description="Always true: the presented session "
                                                    "token no longer works.")


@strawberry.type(description="The password was changed.")
class ChangePasswordPayload:
    changed: bool = strawberry.field(description="Always true. Every session of the "
                                                 "account has ended: sign in again.")


@strawberry.type(description="A new API key.")
class CreateApiKeyPayload:
    api_key: str = strawberry.field(description="The key (sk-…). Shown only now: the "
                                                "server keeps just a digest.")


@strawberry.type(description="The outcome of deleteApiKey.")
class DeleteApiKeyPayload:
    deleted: bool = strawberry.field(description="Always true: the account has no API key.")


SignUpResult = Annotated[AuthSession | EmailTaken | SignUpClosed, strawberry.union(
    "SignUpResult", description="The new session, or why no account was created.")]
SignInResult = Annotated[AuthSession | InvalidCredentials | RateLimitExceeded,
                         strawberry.union("SignInResult",
                                          description="The new session, or why not.")]
ChangePasswordResult = Annotated[ChangePasswordPayload | IncorrectPassword, strawberry.union(
    "ChangePasswordResult", description="The change, or why it was refused.")]

SignUpArg = Annotated[SignUpInput, strawberry.argument(description="The new account.")]
SignInArg = Annotated[SignInInput, strawberry.argument(description="E-mail and password.")]
ChangePasswordArg = Annotated[ChangePasswordInput,
                              strawberry.argument(description="Both passwords.")]


@strawberry.type
class AuthMutations:
    @strawberry.mutation(description="Create an account and sign in (while sign-up is "
                                     "open). The first account becomes an administrator.")
    async def sign_up(self, info: Info, input: SignUpArg) -> SignUpResult:
        ctx = info.context
        data = auth.SignUp(name=input.name, email=input.email, password=input.password,
                           profile_image_url=input.profile_image_url)
        try:
            session = await auth.sign_up(ctx, data)
        except DomainError as error:
            return expected(ctx, error, EmailTaken, SignUpClosed)
        _remember(info, session)
        return AuthSession.from_session(session)

    @strawberry.mutation(description="Sign in with e-mail and password.",
                         metadata={"writes": False})
    async def sign_in(self, info: Info, input: SignInArg) -> SignInResult:
        ctx = info.context
        try:
            session = await auth.sign_in(ctx, input.email, input.password)
        except DomainError as error:
            return expected(ctx, error, InvalidCredentials, RateLimitExceeded)
        _remember(info, session)
        return AuthSession.from_session(session)

    @strawberry.mutation(description="End the presented session: its token stops working "
                                     "on every server sharing the database.")
    async def sign_out(self, info: Info) -> SignOutPayload:
        signed_out = await auth.sign_out(info.context)
        if isinstance(info.context.response, Response):
            info.context.response.delete_cookie("token", path="/")
        return SignOutPayload(signed_out=signed_out)

    @strawberry.mutation(description="Change the caller's password. Ends every session of "
                                     "the account, this one included.")
    async def change_password(self, info: Info,
                              input: ChangePasswordArg) -> ChangePasswordResult:
        ctx = info.context
        try:
            await auth.change_password(ctx, input.current_password, input.new_password)
        except DomainError as error:
            return expected(ctx, error, IncorrectPassword)
        return ChangePasswordPayload(changed=True)

    @strawberry.mutation(description="Create the caller's API key, replacing any earlier "
                                     "one (when the server and the account allow keys).")
    async def create_api_key(self, info: Info) -> CreateApiKeyPayload:
        return CreateApiKeyPayload(api_key=await auth.create_api_key(info.context))

    @strawberry.mutation(description="Delete the caller's API key.")
    async def delete_api_key(self, info: Info) -> DeleteApiKeyPayload:
        return DeleteApiKeyPayload(deleted=await auth.delete_api_key(info.context))


def _remember(info: Info, session: auth.Session) -> None:
    """Over HTTP, also set the `token` cookie, as Open WebUI's sign-in routes do, so a
    browser page using GraphQL stays signed in (a WebSocket has no cookies to set)."""
    response = info.context.response
    if not isinstance(response, Response):
        return
    settings = info.context.settings
    max_age = max(0, session.expires_at - int(time.time())) if session.expires_at else None
    response.set_cookie("token", session.token, max_age=max_age, path="/", httponly=True,
                        secure=settings.cookie_secure, samesite=settings.cookie_same_site)
