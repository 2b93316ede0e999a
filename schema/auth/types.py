"""Who is calling, and the sessions sign-in hands out."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from resolvers.auth.accounts import Session
from resolvers.context import Viewer as SignedIn
from resolvers.users import settings as user_settings
from schema.context import Info
from schema.scalars import timestamp
from schema.users.types import User


@strawberry.enum(description="How the caller proved who they are.")
class AuthMethod(Enum):
    SESSION = strawberry.enum_value("session", description="A token from signing in.")
    API_KEY = strawberry.enum_value("api_key", description="An API key (sk-…).")


@strawberry.type(description="The signed-in caller: their account, and how they signed in.")
class Viewer(User):
    auth_method: AuthMethod = strawberry.field(description="Session token or API key.")
    session_expires_at: datetime | None = strawberry.field(
        description="When the session token stops working; null for API keys and tokens "
                    "that never expire.")

    @classmethod
    def from_viewer(cls, viewer: SignedIn) -> "Viewer":
        return cls(**User.fields_of(viewer.user), auth_method=AuthMethod(viewer.via),
                   session_expires_at=timestamp(viewer.expires_at))

    @strawberry.field(description="The caller's settings as Open WebUI's web client keeps "
                                  "them (`ui`, ...), the administrators' default interface "
                                  "settings filling unset `ui` keys; null until first saved.")
    async def settings(self, info: Info) -> JSON | None:
        return await user_settings.get_own_settings(info.context)

    @strawberry.field(description="Free JSON the client keeps about the caller; null until "
                                  "first saved.")
    async def info(self, info: Info) -> JSON | None:
        return await user_settings.get_own_info(info.context)

    @strawberry.field(description="What the caller may do: the default permissions OR-ed "
                                  "with those of the caller's groups.")
    async def permissions(self, info: Info) -> JSON:
        return await user_settings.viewer_permissions(info.context)


@strawberry.type(description="A new session: keep the token and send it as "
                             "`Authorization: Bearer <token>`.")
class AuthSession:
    token: str = strawberry.field(description="The session token (a JWT).")
    expires_at: datetime | None = strawberry.field(
        description="When the token stops working; null when it never expires.")
    user: User = strawberry.field(description="The account signed in.")

    @classmethod
    def from_session(cls, session: Session) -> "AuthSession":
        return cls(token=session.token, expires_at=timestamp(session.expires_at),
                   user=User.from_row(session.user))
