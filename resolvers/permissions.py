"""Who may call what. Every resolver starts with one of these."""

from __future__ import annotations

from resolvers.auth.authenticate import current_viewer
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Unauthenticated


async def _require_viewer(ctx: Context) -> Viewer:
    viewer = await current_viewer(ctx)
    if viewer is None:
        raise Unauthenticated("Not authenticated.", reason="not_authenticated")
    return viewer


async def require_user(ctx: Context) -> Viewer:
    """Any signed-in account, `pending` included; never a service."""
    viewer = await _require_viewer(ctx)
    if viewer.is_service:
        raise Forbidden("This needs a person's credentials, not a service token.",
                        reason="service_not_allowed")
    return viewer


async def require_scope(ctx: Context, scope: str) -> Viewer:
    """The service holding `scope` (e.g. "scim", the identity provider's client)."""
    viewer = await _require_viewer(ctx)
    if viewer.via != scope:
        raise Forbidden(f"This needs the {scope} service's credentials.",
                        reason="scope_required")
    return viewer


async def require_admin_or_scope(ctx: Context, scope: str) -> Viewer:
    """An administrator, or the service holding `scope`."""
    viewer = await _require_viewer(ctx)
    if viewer.via == scope:
        return viewer
    return await require_admin(ctx)


async def require_verified(ctx: Context) -> Viewer:
    """A `user` or an `admin`: pending accounts wait for an admin."""
    viewer = await require_user(ctx)
    if viewer.role not in ("user", "admin"):
        raise Forbidden("The account is waiting for an administrator's approval.",
                        reason="role_pending")
    return viewer


async def require_admin(ctx: Context) -> Viewer:
    viewer = await require_user(ctx)
    if viewer.role != "admin":
        raise Forbidden("Only administrators may do this.", reason="not_admin")
    return viewer


async def require_admin_or_self(ctx: Context, user_id: str) -> Viewer:
    """An administrator, or the approved account `user_id` itself."""
    viewer = await require_verified(ctx)
    if viewer.id != user_id and viewer.role != "admin":
        raise Forbidden("Only administrators may read other accounts.", reason="not_admin")
    return viewer


async def require_session(ctx: Context) -> Viewer:
    """A person signed in with a password session, not an API key or automation token."""
    viewer = await require_user(ctx)
    if viewer.via != "session":
        raise Forbidden("This needs a signed-in session, not an API key.",
                        reason="session_required")
    return viewer
