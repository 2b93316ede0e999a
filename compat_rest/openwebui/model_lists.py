"""Open WebUI's workspace model lists and bulk routes: `/list` (30 a page), `/base`, `/all`,
`/tags`, `/export`, `/import`, `/delete/all` and `/model/profile/image`."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from compat_rest.common import page_number, parse_body
from compat_rest.openwebui.model_shapes import (
    READ,
    ModelForm,
    create_of,
    model_endpoint,
    owner_json,
    query_id,
    workspace_json,
)
from resolvers.context import Context
from resolvers.models import lists, transfer

# The picture of a model without one: a transparent pixel (Parley ships no favicon).
DEFAULT_IMAGE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=")
ADMIN: dict[str, int] = {}  # not_admin: Open WebUI's 401, from the dialect table


def listed_json(item: lists.ListedModel) -> dict[str, Any]:
    """An item of `/list`: the model with its owner, the profile image left out (the
    client asks `/model/profile/image` for it)."""
    out = workspace_json(item.model)
    meta = dict(out["meta"])
    meta.pop("profile_image_url", None)
    return {**out, "meta": meta, "user": owner_json(item.owner)}


@model_endpoint(READ)
async def list_models(request: Request, ctx: Context) -> dict:
    query = request.query_params
    found = lists.ModelFilter(query=query.get("query") or None, tag=query.get("tag") or None,
                        view_option=query.get("view_option") or None, presets_only=True,
                        order_by=query.get("order_by") or "created_at",
                        descending=(query.get("direction") or "desc").lower() != "asc")
    page = await lists.page_models(ctx, found, page=page_number(request, lists.PAGE) or 1)
    return {"items": [listed_json(item) for item in page.items], "total": page.total}


@model_endpoint(ADMIN)
async def list_base_models(request: Request, ctx: Context) -> list:
    tag = request.query_params.get("tag") or None
    return [workspace_json(m, access=False) for m in await lists.base_models(ctx, tag)]


@model_endpoint(ADMIN)
async def list_all_models(request: Request, ctx: Context) -> list:
    return [workspace_json(m, access=False) for m in await lists.all_models(ctx)]


@model_endpoint(ADMIN)
async def list_tags(request: Request, ctx: Context) -> list[str]:
    return await lists.model_tags(ctx)


@model_endpoint(ADMIN)
async def export_models(request: Request, ctx: Context) -> list:
    return [workspace_json(m, access=False) for m in await transfer.export_models(ctx)]


class ImportForm(BaseModel):
    models: list[ModelForm]


@model_endpoint(ADMIN, writes=True)
async def import_models(request: Request, ctx: Context) -> bool:
    form = await parse_body(request, ImportForm)
    async with ctx.unit_of_work(write=True):
        await transfer.import_models(ctx, [create_of(m) for m in form.models])
    return True


@model_endpoint(ADMIN, writes=True)
async def delete_all_models(request: Request, ctx: Context) -> bool:
    async with ctx.unit_of_work(write=True):
        return await transfer.delete_all_models(ctx)


@model_endpoint(READ)
async def profile_image(request: Request, ctx: Context) -> Response:
    """A model's picture: its data URL decoded, a web address redirected to, else the
    default picture (also for a model that does not exist, as Open WebUI answers)."""
    url = await lists.profile_image(ctx, query_id(request))
    if url and url.startswith(("http://", "https://")):
        return RedirectResponse(url, status_code=302)
    if url and url.startswith("data:image") and "," in url:
        header, _, payload = url.partition(",")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            data = None
        if data is not None:
            media = header[len("data:"):].split(";", 1)[0]
            return Response(data, media_type=media)
    return Response(DEFAULT_IMAGE, media_type="image/png")


def routes() -> list[Route]:
    v1 = "/api/v1/models"
    return [
        Route(f"{v1}/list", list_models, methods=["GET"]),
        Route(f"{v1}/base", list_base_models, methods=["GET"]),
        Route(f"{v1}/all", list_all_models, methods=["GET"]),
        Route(f"{v1}/tags", list_tags, methods=["GET"]),
        Route(f"{v1}/export", export_models, methods=["GET"]),
        Route(f"{v1}/import", import_models, methods=["POST"]),
        Route(f"{v1}/delete/all", delete_all_models, methods=["DELETE"]),
        Route(f"{v1}/model/profile/image", profile_image, methods=["GET"]),
    ]
