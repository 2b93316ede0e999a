"""Who may call what. Every resolver starts with one of these."""

from __future__ import annotations

from resolvers.authentication import current_viewer
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Unauthenticated


async def require_user(ctx: Context) -> Viewer:
    """Any signed-in account, `pending` included."""
    viewer = await current_viewer(ctx)
    if viewer is None:
        raise Unauthenticated("Not authenticated.", reason="not_authenticated")
    return viewer


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


async def require_session(ctx: Context) -> Viewer:
    """A person signed in with a password session, not an API key or automation token."""
    viewer = await require_user(ctx)
    if viewer.via != "session":
        raise Forbidden("This needs a signed-in session, not an API key.",
                        reason="session_required")
    return viewer
