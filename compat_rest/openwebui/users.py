"""Open WebUI's `/api/v1/users` routes and the documented short `/api/users` routes."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, ConfigDict, RootModel
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from compat_rest.common import page_number, parse_body
from compat_rest.openwebui import serializers
from compat_rest.openwebui.errors import endpoint
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.permissions import require_admin
from resolvers.users import settings as user_settings
from resolvers.users import users

PAGE_SIZE = 30
_DEFAULT_AVATAR = (  # our own: a neutral silhouette
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" '
    'fill="#d4d4d8"/><circle cx="32" cy="25" r="11" fill="#fafafa"/><path d="M12 58c2-12 '
    '10-18 20-18s18 6 20 18z" fill="#fafafa"/></svg>')


class UserUpdateForm(BaseModel):
    role: str | None = None
    name: str | None = None
    email: str | None = None
    profile_image_url: str | None = None
    password: str | None = None


class SettingsForm(BaseModel):
    """Open WebUI's UserSettings: `ui` and any other keys the client keeps."""

    model_config = ConfigDict(extra="allow")
    ui: dict[str, Any] = {}


class InfoForm(RootModel[dict[str, Any]]):
    pass


class PermissionsForm(RootModel[dict[str, dict[str, bool]]]):
    pass


def _listing(request: Request) -> dict[str, Any]:
    """Open WebUI's list parameters: `query`, `order_by`, `direction`, `page`."""
    params = request.query_params
    return {"query": params.get("query") or None,
            "order_by": params.get("order_by") or "created_at",
            "descending": params.get("direction", "desc") != "asc",
            "offset": (page_number(request, PAGE_SIZE) - 1) * PAGE_SIZE, "limit": PAGE_SIZE}


@endpoint()
async def list_users(request: Request, ctx: Context) -> dict:
    page = await users.list_users(ctx, **_listing(request))
    return {"users": [serializers.user_model(u) | {"group_ids": page.group_ids.get(u.id, [])}
                      for u in page.users],
            "total": page.total}


def _groups(groups) -> list[dict]:
    return [{"id": g.id, "name": g.name} for g in groups]


@endpoint()
async def get_user(request: Request, ctx: Context) -> dict:
    user_id = request.path_params["user_id"]
    await require_admin(ctx)  # Open WebUI's route is admin-only, even for oneself
    user = await users.get_user(ctx, user_id)
    groups = await users.groups_of(ctx, user_id)
    return serializers.user_model(user) | {
        "groups": _groups(groups), "is_active": serializers.is_active(user, now_s())}


@endpoint()
async def get_user_info(request: Request, ctx: Context) -> dict:
    user, groups = await users.get_user_card(ctx, request.path_params["user_id"])
    return serializers.user_info(user, _groups(groups), now_s())


def _cards(found: user_settings.Directory) -> dict:
    now = now_s()
    return {"users": [serializers.user_info(u, _groups(found.groups.get(u.id, [])), now)
                      for u in found.users],
            "total": found.total}


@endpoint()
async def all_users(request: Request, ctx: Context) -> dict:
    return _cards(await user_settings.list_directory(ctx))


@endpoint()
async def search_users(request: Request, ctx: Context) -> dict:
    return _cards(await user_settings.search_directory(ctx, **_listing(request)))


@endpoint()
async def user_active(request: Request, ctx: Context) -> dict:
    user = await users.find_user(ctx, request.path_params["user_id"])
    return {"active": user is not None and serializers.is_active(user, now_s())}


@endpoint()
async def own_permissions(request: Request, ctx: Context) -> dict:
    return await user_settings.viewer_permissions(ctx)


@endpoint()
async def default_permissions(request: Request, ctx: Context) -> dict:
    return await user_settings.get_default_permissions(ctx)


@endpoint(write=True)
async def update_default_permissions(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, PermissionsForm)
    return await user_settings.set_default_permissions(ctx, form.root)


@endpoint()
async def own_settings(request: Request, ctx: Context) -> dict | None:
    raw = request.query_params.get("raw", "").lower() in ("true", "1", "yes", "on")
    return await user_settings.get_own_settings(ctx, raw=raw)


@endpoint(write=True)
async def update_own_settings(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, SettingsForm)
    return await user_settings.update_own_settings(ctx, form.model_dump())


@endpoint()
async def own_info(request: Request, ctx: Context) -> dict | None:
    return await user_settings.get_own_info(ctx)


@endpoint(write=True)
async def update_own_info(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, InfoForm)
    return await user_settings.update_own_info(ctx, form.root)


@endpoint(write=True)
async def update_user(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, UserUpdateForm)
    user = await users.update_user(ctx, request.path_params["user_id"],
                                   users.UserUpdate(**form.model_dump()))
    return serializers.user_model(user)


@endpoint(write=True)
async def delete_user(request: Request, ctx: Context) -> bool:
    return await users.delete_user(ctx, request.path_params["user_id"])


@endpoint(write=True, overrides={"user_not_found": 404})
async def revoke_sessions(request: Request, ctx: Context) -> bool:
    return await users.revoke_sessions(ctx, request.path_params["user_id"])


@endpoint()
async def profile_image(request: Request, ctx: Context) -> Response:
    user, _ = await users.get_user_card(ctx, request.path_params["user_id"])
    url = user.profile_image_url or ""
    if url.startswith("data:image/") and ";base64," in url:
        media, _, payload = url[5:].partition(";base64,")
        try:
            return Response(base64.b64decode(payload, validate=False), media_type=media)
        except (binascii.Error, ValueError):
            pass
    if url.startswith(("http://", "https://")):
        return RedirectResponse(url, status_code=302)
    return Response(_DEFAULT_AVATAR, media_type="image/svg+xml",
                    headers={"Cache-Control": "max-age=3600"})


def routes() -> list[Route]:
    v1 = "/api/v1/users"
    return [
        Route(v1, list_users, methods=["GET"]),
        # Fixed paths before `/{user_id}...`, which would take `permissions` for an id.
        Route(f"{v1}/all", all_users, methods=["GET"]),
        Route(f"{v1}/search", search_users, methods=["GET"]),
        Route(f"{v1}/permissions", own_permissions, methods=["GET"]),
        Route(f"{v1}/default/permissions", default_permissions, methods=["GET"]),
        Route(f"{v1}/default/permissions", update_default_permissions, methods=["POST"]),
        Route(f"{v1}/user/settings", own_settings, methods=["GET"]),
        Route(f"{v1}/user/settings/update", update_own_settings, methods=["POST"]),
        Route(f"{v1}/user/info", own_info, methods=["GET"]),
        Route(f"{v1}/user/info/update", update_own_info, methods=["POST"]),
        Route(f"{v1}/{{user_id}}", get_user, methods=["GET"]),
        Route(f"{v1}/{{user_id}}", delete_user, methods=["DELETE"]),
        Route(f"{v1}/{{user_id}}/update", update_user, methods=["POST"]),
        Route(f"{v1}/{{user_id}}/info", get_user_info, methods=["GET"]),
        Route(f"{v1}/{{user_id}}/active", user_active, methods=["GET"]),
        Route(f"{v1}/{{user_id}}/profile/image", profile_image, methods=["GET"]),
        Route(f"{v1}/{{user_id}}/sessions/revoke", revoke_sessions, methods=["POST"]),
        # The documented short routes.
        Route("/api/users", list_users, methods=["GET"]),
        Route("/api/users/{user_id}", get_user, methods=["GET"]),
        Route("/api/users/{user_id}", update_user, methods=["POST"]),
        Route("/api/users/{user_id}", delete_user, methods=["DELETE"]),
    ]
