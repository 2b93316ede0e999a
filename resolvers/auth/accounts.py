"""Sign-up, sign-in, sign-out, passwords and API keys."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from data.repos.credentials import ApiKeyRepo, RevokedTokenRepo
from data.repos.locks import serialize
from data.repos.users import UserRepo
from data.settings import parse_duration
from data.tables import ApiKeyRow, AuthRow, UserRow
from data.tables.base import now_s
from resolvers import validation
from resolvers.auth.authenticate import current_viewer
from resolvers.auth.security import (
    api_key_digest,
    issue_token,
    new_api_key,
    new_session_stamp,
    read_token,
)
from resolvers.context import Context
from resolvers.errors import Forbidden, Invalid, NotFound, RateLimited, Unauthenticated
from resolvers.permissions import require_admin, require_session, require_user
from resolvers.users.permissions import allows, effective_permissions

DEFAULT_IMAGE = "/user.png"


@dataclass(frozen=True)
class SignUp:
    name: str
    email: str
    password: str
    profile_image_url: str = DEFAULT_IMAGE


@dataclass(frozen=True)
class NewUser(SignUp):
    role: str = "pending"


@dataclass(frozen=True)
class Session:
    """A signed-in session: the token a client keeps, and who it belongs to."""

    user: UserRow
    token: str
    expires_at: int | None
    permissions: dict[str, Any]


async def sign_up(ctx: Context, data: SignUp) -> Session:
    """Anyone, while sign-up is open. The first account becomes admin and closes sign-up,
    exactly once however many sign up at the same moment."""
    email = validation.email(data.email)
    name = validation.name(data.name)
    image = validation.profile_image_url(data.profile_image_url)
    hashed = await asyncio.to_thread(ctx.services.passwords.hash,
                                     validation.new_password(data.password))
    await serialize(ctx.session, "parley:sign-up")
    repo = UserRepo(ctx.session)
    first = await repo.count() == 0
    config = await ctx.services.config.get_all(ctx.session, fresh=True)
    if not first and not (config["ui.enable_signup"] and config["ui.enable_login_form"]):
        raise Forbidden("Sign-up is closed on this server.", reason="signup_disabled")
    role = "admin" if first else validation.role(config["ui.default_user_role"])
    user = await _create_user(ctx, name=name, email=email, hashed=hashed, role=role, image=image)
    if first:
        await ctx.services.config.set(ctx.session, {"ui.enable_signup": False})
        await repo.record_primary_admin(user.id)
    return await _session_for(ctx, user, await repo.get_auth(user.id))


async def add_user(ctx: Context, data: NewUser) -> Session:
    """Admins add an account with a role of their choice; returns a token for it."""
    await require_admin(ctx)
    hashed = await asyncio.to_thread(ctx.services.passwords.hash,
                                     validation.new_password(data.password))
    user = await _create_user(ctx, name=validation.name(data.name),
                              email=validation.email(data.email), hashed=hashed,
                              role=validation.role(data.role),
                              image=validation.profile_image_url(data.profile_image_url))
    auth = await UserRepo(ctx.session).get_auth(user.id)
    return await _session_for(ctx, user, auth, minimal=True)


async def _create_user(ctx: Context, *, name: str, email: str, hashed: str, role: str,
                       image: str) -> UserRow:
    repo = UserRepo(ctx.session)
    if await repo.get_by_email(email) is not None:
        raise Invalid("This e-mail address is already registered.", reason="email_taken",
                      field="email")
    now = now_s()
    user = UserRow(id=str(uuid.uuid4()), email=email, name=name, role=role,
                   profile_image_url=image, last_active_at=now, updated_at=now, created_at=now)
    auth = AuthRow(id=user.id, email=email, password=hashed, active=True,
                   session_stamp=new_session_stamp())
    try:
        await repo.add(user, auth)
    except IntegrityError:  # the same e-mail, signed up a moment ago elsewhere
        raise Invalid("This e-mail address is already registered.", reason="email_taken",
                      field="email") from None
    return user


async def sign_in(ctx: Context, email: str, password: str) -> Session:
    """Anyone with a password. An unknown e-mail and a wrong password get the same answer,
    after the same work; 15 attempts per e-mail per 3 minutes, on all instances together."""
    if not ctx.settings.enable_password_auth:
        raise Forbidden("Password sign-in is disabled on this server.",
                        reason="password_auth_disabled")
    email = email.strip().lower()
    wait = await ctx.services.signin_limiter.hit(ctx, email)
    if wait is not None:
        raise RateLimited("Too many sign-in attempts; try again later.",
                          retry_after=max(1, int(wait + 0.999)))
    found = await UserRepo(ctx.session).credentials_by_email(email)
    if found is None:
        await asyncio.to_thread(ctx.services.passwords.burn_verification, password)
        raise _bad_credentials()
    user, auth = found
    verified = await asyncio.to_thread(ctx.services.passwords.verify, password, auth.password)
    if not verified or not auth.active:
        raise _bad_credentials()
    return await _session_for(ctx, user, auth)


def _bad_credentials() -> Unauthenticated:
    return Unauthenticated("The e-mail or password is incorrect.", reason="invalid_credentials")


async def _session_for(ctx: Context, user: UserRow, auth: AuthRow, *,
                       minimal: bool = False) -> Session:
    expiry = await ctx.services.config.get(ctx.session, "auth.jwt_expiry")
    try:
        lifetime = parse_duration(str(expiry))
    except ValueError:
        lifetime = parse_duration("4w")  # a bad value written by hand: fall back, stay up
    token, expires_at = issue_token(ctx.settings.secret_key, user_id=user.id,
                                    session_stamp=auth.session_stamp, lifetime=lifetime,
                                    minimal=minimal)
    return Session(user=user, token=token, expires_at=expires_at,
                   permissions=await effective_permissions(ctx, user))


async def current_session(ctx: Context) -> Session:
    """A signed-in person's session: the token they hold, their account and permissions."""
    viewer = await require_session(ctx)
    return Session(user=viewer.user, token=viewer.token, expires_at=viewer.expires_at,
                   permissions=await effective_permissions(ctx, viewer.user))


async def sign_out(ctx: Context) -> bool:
    """Anyone. Revokes the presented session token on every instance sharing the database;
    an absent or already invalid token is not an error (the cookie still gets cleared)."""
    token = ctx.credentials.bearer or ctx.credentials.cookie
    claims = read_token(ctx.settings.secret_key, token) if token else None
    if claims is None or claims.jti is None:
        return True
    await RevokedTokenRepo(ctx.session).revoke(claims.jti, claims.user_id, claims.expires_at,
                                               now_s())
    return True


async def change_password(ctx: Context, current: str, new: str) -> bool:
    """Any signed-in account. Ends every session of the account, this one included."""
    viewer = await require_user(ctx)
    auth = await UserRepo(ctx.session).get_auth(viewer.id)
    passwords = ctx.services.passwords
    if auth is None or not await asyncio.to_thread(passwords.verify, current, auth.password):
        raise Invalid("The current password is incorrect.", reason="incorrect_password",
                      field="password")
    hashed = await asyncio.to_thread(passwords.hash, validation.new_password(new))
    await UserRepo(ctx.session).update_auth(viewer.id, {"password": hashed,
                                                        "session_stamp": new_session_stamp()})
    return True


async def _require_api_key_use(ctx: Context):
    viewer = await require_user(ctx)
    enabled = await ctx.services.config.get(ctx.session, "auth.enable_api_keys")
    if not enabled or (viewer.role != "admin" and not allows(
            await effective_permissions(ctx, viewer.user), "features.api_keys")):
        raise Forbidden("API keys are not allowed for this account.",
                        reason="api_key_creation_not_allowed")
    return viewer


async def create_api_key(ctx: Context) -> str:
    """Accounts allowed API keys. Replaces any earlier key; the plain key is shown once and
    stored only as a digest."""
    viewer = await _require_api_key_use(ctx)
    key, now = new_api_key(), now_s()
    await ApiKeyRepo(ctx.session).replace(ApiKeyRow(
        id=f"key_{viewer.id}", user_id=viewer.id, key=api_key_digest(key),
        data={"hint": key[-4:]}, created_at=now, updated_at=now))
    return key


async def get_api_key(ctx: Context) -> str:
    """The account's key: in full when Open WebUI stored it in plain text, otherwise masked
    (Parley keeps only a digest)."""
    viewer = await _require_api_key_use(ctx)
    row = await ApiKeyRepo(ctx.session).for_user(viewer.id)
    if row is None:
        raise NotFound("No API key exists for this account.", reason="api_key_not_found")
    if row.key.startswith("sk-"):
        return row.key
    hint = row.data.get("hint", "") if isinstance(row.data, dict) else ""
    return f"sk-{'*' * 28}{hint}"


async def delete_api_key(ctx: Context) -> bool:
    viewer = await _require_api_key_use(ctx)
    await ApiKeyRepo(ctx.session).delete_for_user(viewer.id)
    return True


async def viewer_or_none(ctx: Context):
    """The caller if the credentials are valid, else None (for routes where a token is
    optional and a bad one means anonymous)."""
    try:
        return await current_viewer(ctx)
    except (Unauthenticated, Forbidden):
        return None
