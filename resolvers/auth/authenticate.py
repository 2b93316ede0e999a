"""Turn credentials into a Viewer: the one place every surface authenticates through."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from data.repos.credentials import ApiKeyRepo
from data.repos.principals import PrincipalReader
from data.repos.users import UserRepo
from data.tables.base import now_s
from resolvers.auth.security import api_key_stored_forms, is_api_key, read_token, same, same_secret
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Unauthenticated
from resolvers.users.permissions import allows, effective_permissions

ACTIVITY_WINDOW = 60  # refresh last_active_at at most once a minute per user
ACTIVITY_DELAY = 1.0  # seconds between a request and the activity write it causes


async def current_viewer(ctx: Context) -> Viewer | None:
    """The authenticated caller, or None when no credentials were sent. Bad credentials
    raise Unauthenticated (or Forbidden for API keys that are switched off)."""
    if ctx.viewer_cache is None:
        if ctx.credentials.provisioning is not None:
            ctx.viewer_cache = (_provisioning_client(ctx, ctx.credentials.provisioning),)
        else:
            token = ctx.credentials.token
            ctx.viewer_cache = (await authenticate_token(ctx, token) if token else None,)
    return ctx.viewer_cache[0]


def _provisioning_client(ctx: Context, token: str) -> Viewer:
    """The identity provider's SCIM client, known by SCIM_TOKEN: a service with the
    `scim` scope, never a user. No user token is accepted in its place."""
    expected = ctx.settings.scim_token
    if not ctx.settings.scim_enabled or expected is None or not same_secret(token, expected):
        raise Unauthenticated("The SCIM token is not valid.", reason="scim_token_invalid")
    return Viewer(user=None, via="scim", token=token)


async def authenticate_token(ctx: Context, token: str) -> Viewer:
    if "\x00" in token:  # no token has one, and PostgreSQL could not look it up
        raise Unauthenticated("The token is invalid or has expired.", reason="token_invalid")
    if is_api_key(token):
        return await _by_api_key(ctx, token)
    claims = read_token(ctx.settings.secret_key, token)
    if claims is None:
        raise Unauthenticated("The token is invalid or has expired.", reason="token_invalid")
    principal = await PrincipalReader(ctx.services.reader).principal(claims.user_id, claims.jti)
    if principal is None:
        raise Unauthenticated("The account no longer exists.", reason="account_missing")
    if not principal.active:
        raise Unauthenticated("The account is deactivated.", reason="account_inactive")
    if not same(claims.session_stamp, principal.session_stamp) or principal.revoked:
        raise Unauthenticated("The session has ended; sign in again.", reason="token_revoked")
    _note_activity(ctx, principal.user)
    return Viewer(user=principal.user, via="session", token=token, jti=claims.jti,
                  expires_at=claims.expires_at)


async def _by_api_key(ctx: Context, key: str) -> Viewer:
    if not await ctx.services.config.get(ctx.session, "auth.enable_api_keys"):
        raise Forbidden("API keys are not enabled on this server.", reason="api_keys_disabled")
    row = await ApiKeyRepo(ctx.session).find(api_key_stored_forms(key))
    if row is None or (row.expires_at is not None and row.expires_at < now_s()):
        raise Unauthenticated("The API key is invalid.", reason="token_invalid")
    principal = await PrincipalReader(ctx.services.reader).principal(row.user_id, None)
    if principal is None or not principal.active:
        raise Unauthenticated("The API key's account is not active.", reason="account_inactive")
    user = principal.user
    if user.role != "admin" and not allows(await effective_permissions(ctx, user),
                                           "features.api_keys"):
        raise Forbidden("This account may not use API keys.", reason="api_keys_disabled")
    _note_activity(ctx, user)
    _write_later(ctx, ("api_key", row.id), lambda: _touch_key(ctx, row.id))
    return Viewer(user=user, via="api_key", token=key)


def _note_activity(ctx: Context, user) -> None:
    now = now_s()
    if (user.last_active_at or 0) < now - ACTIVITY_WINDOW:
        _write_later(ctx, ("user", user.id), lambda: _touch_user(ctx, user.id, now))


def _write_later(ctx: Context, key: tuple[str, str],
                 write: Callable[[], Awaitable[None]]) -> None:
    """Activity (a user's last_active_at, a key's last_used_at) is written outside the
    request's transaction (a read must not take the write lock), at most once a window
    per process, and ACTIVITY_DELAY seconds later: a hint worth losing must not compete
    with the first byte of the request that caused it."""
    touched = ctx.services.touched
    now = time.monotonic()
    last = touched.get(key)
    if last is not None and now - last < ACTIVITY_WINDOW:
        return
    if len(touched) >= 4096:  # forget keys whose window has passed: the map stays small
        for stale in [k for k, at in touched.items() if now - at >= ACTIVITY_WINDOW]:
            del touched[stale]
    touched[key] = now
    ctx.services.spawn_later(ACTIVITY_DELAY, write)


async def _touch_user(ctx: Context, user_id: str, now: int) -> None:
    async with Context(ctx.services).unit_of_work(write=True) as side:
        await UserRepo(side.session).touch_active(user_id, now, ACTIVITY_WINDOW)


async def _touch_key(ctx: Context, key_id: str) -> None:
    async with Context(ctx.services).unit_of_work(write=True) as side:
        await ApiKeyRepo(side.session).touch(key_id, now_s())
