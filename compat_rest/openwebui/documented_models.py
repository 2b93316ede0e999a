"""The documented model routes (`/api/models...`) over the same resolvers as Open WebUI's.

`GET /api/models` is Open WebUI's own runtime list (`{"data": [...]}`) and stays so (in
models.py); the documented create, read, update and delete live on the methods and paths
Open WebUI leaves free. Ids may hold `/`, so `{model_id:path}` comes last: a model named
`search` or `validate` is read through `/api/v1/models/model?id=`. Statuses are plain
HTTP ones (404, 403, 409, 400) in Open WebUI's `{"detail": ...}` envelope.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import BadBody, page_number, parse_body, read_json
from compat_rest.openwebui.model_lists import listed_json
from compat_rest.openwebui.model_shapes import grants_of, model_endpoint, workspace_json
from resolvers.context import Context
from resolvers.models import lists, transfer, validation
from resolvers.models import workspace as workspace_models

PLAIN: dict[str, int] = {}
SEARCH_FIELDS = ("name", "id", "description", "tags")


def endpoint(*, writes: bool = False):
    return model_endpoint(PLAIN, writes=writes, texts={})


class CreateForm(BaseModel):
    id: str
    name: str
    meta: dict[str, Any] = {}
    params: dict[str, Any] = {}
    base_model_id: str | None = None
    access_grants: list[Any] | None = None
    is_active: bool = True
    commit_message: str | None = None


class UpdateForm(BaseModel):
    name: str | None = None
    meta: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    base_model_id: str | None = None
    access_grants: list[Any] | None = None
    is_active: bool | None = None
    commit_message: str | None = None
    version_id: str | None = None


class DuplicateForm(BaseModel):
    id: str | None = None
    name: str | None = None


@endpoint(writes=True)
async def create_model(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, CreateForm)
    async with ctx.unit_of_work(write=True):
        created = await workspace_models.create_workspace_model(
            ctx, workspace_models.ModelCreate(
                id=form.id, name=form.name, meta=form.meta, params=form.params,
                base_model_id=form.base_model_id, access_grants=grants_of(form.access_grants),
                is_active=form.is_active, commit_message=form.commit_message))
    return workspace_json(created)


@endpoint()
async def get_model(request: Request, ctx: Context) -> dict:
    found = await workspace_models.get_workspace_model(ctx, request.path_params["model_id"])
    return workspace_json(found)


@endpoint(writes=True)
async def update_model(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, UpdateForm)
    async with ctx.unit_of_work(write=True):
        updated = await workspace_models.update_workspace_model(
            ctx, request.path_params["model_id"], workspace_models.ModelUpdate(
                name=form.name, meta=form.meta, params=form.params,
                base_model_id=form.base_model_id, access_grants=grants_of(form.access_grants),
                is_active=form.is_active, commit_message=form.commit_message,
                version_id=form.version_id))
    return workspace_json(updated)


@endpoint(writes=True)
async def delete_model(request: Request, ctx: Context) -> bool:
    async with ctx.unit_of_work(write=True):
        return await workspace_models.delete_workspace_model(ctx,
                                                             request.path_params["model_id"])


@endpoint(writes=True)
async def duplicate_model(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, DuplicateForm) if await request.body() else DuplicateForm()
    async with ctx.unit_of_work(write=True):
        copied = await transfer.duplicate_model(ctx, request.path_params["model_id"],
                                                new_id=form.id, name=form.name)
    return workspace_json(copied)


@endpoint()
async def search_models(request: Request, ctx: Context) -> dict:
    query = request.query_params
    page = page_number(request, lists.PAGE) or 1
    found = await lists.page_models(ctx, lists.ModelFilter(
        query=query.get("q") or None, tag=query.get("tag") or None, fields=SEARCH_FIELDS,
        order_by="name", descending=False), page=page)
    return {"items": [listed_json(item) for item in found.items], "total": found.total,
            "page": page, "per_page": lists.PAGE}


@endpoint()
async def validate_model(request: Request, ctx: Context) -> dict:
    definition = await read_json(request)
    if not isinstance(definition, dict):
        raise BadBody([{"type": "model_type", "loc": ["body"],
                        "msg": "Input should be an object"}])
    update = request.query_params.get("update", "").lower() in ("1", "true", "yes")
    problems = await validation.validate_model(ctx, definition, update=update)
    return {"valid": not problems,
            "problems": [{"field": p.field, "message": p.message} for p in problems]}


def routes() -> list[Route]:
    one = "/api/models/{model_id:path}"
    return [
        Route("/api/models", create_model, methods=["POST"]),
        Route("/api/models/search", search_models, methods=["GET"]),
        Route("/api/models/validate", validate_model, methods=["POST"]),
        Route(f"{one}/duplicate", duplicate_model, methods=["POST"]),
        Route(one, get_model, methods=["GET"]),
        Route(one, update_model, methods=["POST"]),
        Route(one, delete_model, methods=["DELETE"]),
    ]
