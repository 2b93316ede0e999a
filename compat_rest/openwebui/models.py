"""Open WebUI's model routes: the runtime list (`GET /api/models`) and the workspace
model routes under `/api/v1/models`, including who may use a model
(`/model/access/update`), with Open WebUI's texts and its status quirks per route."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from compat_rest.common import parse_body
from compat_rest.ollama import serializers as ollama_shapes
from compat_rest.openai import serializers as openai_shapes
from compat_rest.openwebui import documented_models, model_lists, model_versions
from compat_rest.openwebui.model_shapes import (
    CREATE,
    DELETE,
    READ,
    UPDATE,
    AccessForm,
    IdForm,
    ModelForm,
    create_of,
    grant_json,
    query_id,
    update_of,
    workspace_json,
)
from compat_rest.openwebui.model_shapes import model_endpoint as _endpoint
from resolvers.context import Context
from resolvers.models import models
from resolvers.models import workspace as workspace_models
from resolvers.models.models import AvailableModel
from resolvers.permissions import require_admin

_PUBLIC_PARAMS = ("model_controls", "compact_token_threshold")


def runtime_json(model: AvailableModel) -> dict[str, Any]:
    """One entry of `GET /api/models`."""
    entry = model.entry
    out: dict[str, Any] = {"id": model.id, "name": model.name, "object": "model",
                           "created": entry.created, "owned_by": entry.kind,
                           "connection_type": entry.connection_type,
                           "tags": list(entry.tags or []), "actions": [], "filters": []}
    pipe = entry.info.get("pipe")
    if isinstance(pipe, dict) and not model.preset:
        # Open WebUI lists a function's model as OpenAI-owned with its `pipe`, and
        # nothing of a connection (no urlIdx, no `openai` entry, no connection_type).
        del out["connection_type"]
        out.update(owned_by="openai", pipe=dict(pipe))
    elif model.preset:
        out["preset"] = True
    elif entry.kind == "ollama":  # its `ollama` object is its `/ollama/api/tags` entry
        out.update(ollama=ollama_shapes.tag_entry(model), urls=list(entry.urls),
                   loaded=entry.expires_at is not None)
    else:  # the `/openai/models` entry, the upstream's own fields included
        out = {**openai_shapes.model_entry(model), **out}
    row = model.row
    if row is not None:
        params = row.params if isinstance(row.params, dict) else {}
        meta = dict(row.meta) if isinstance(row.meta, dict) else {}
        meta.pop("profile_image_url", None)
        out["info"] = {"id": row.id, "user_id": row.user_id,
                       "base_model_id": row.base_model_id, "name": row.name,
                       "params": {k: params[k] for k in _PUBLIC_PARAMS if k in params},
                       "meta": meta, "access_grants": [grant_json(g) for g in model.grants],
                       "is_active": row.is_active, "created_at": row.created_at,
                       "updated_at": row.updated_at}
    return out


@_endpoint({})
async def list_runtime_models(request: Request, ctx: Context) -> dict:
    refresh = request.query_params.get("refresh", "").lower() in ("1", "true", "yes")
    return {"data": [runtime_json(m) for m in await models.list_models(ctx, refresh=refresh)]}


@_endpoint({})
async def list_upstream_models(request: Request, ctx: Context) -> dict:
    """Administrators: the upstream models alone (no presets), Open WebUI's `/api/models/base`."""
    await require_admin(ctx)
    return {"data": [runtime_json(m) for m in await models.list_models(ctx, presets=False)]}


@_endpoint(READ)
async def get_model(request: Request, ctx: Context) -> dict:
    return workspace_json(await workspace_models.get_workspace_model(ctx, query_id(request)))


@_endpoint(CREATE, writes=True)
async def create_model(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ModelForm)
    async with ctx.unit_of_work(write=True):
        created = await workspace_models.create_workspace_model(ctx, create_of(form))
    return workspace_json(created)


@_endpoint(UPDATE, writes=True)
async def update_model(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ModelForm)
    async with ctx.unit_of_work(write=True):
        updated = await workspace_models.update_workspace_model(ctx, form.id, update_of(form))
    return workspace_json(updated)


@_endpoint(DELETE, writes=True)
async def delete_model(request: Request, ctx: Context) -> bool:
    form = await parse_body(request, IdForm)
    async with ctx.unit_of_work(write=True):
        return await workspace_models.delete_workspace_model(ctx, form.id)


@_endpoint(UPDATE, writes=True)
async def toggle_model(request: Request, ctx: Context) -> dict:
    model_id = query_id(request)
    async with ctx.unit_of_work(write=True):
        return workspace_json(await workspace_models.toggle_workspace_model(ctx, model_id))


@_endpoint(UPDATE, writes=True)
async def update_access(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, AccessForm)
    async with ctx.unit_of_work(write=True):
        updated = await workspace_models.update_model_access(
            ctx, form.id, workspace_models.grants_from(form.access_grants), name=form.name)
    return workspace_json(updated)


def routes() -> list[BaseRoute]:
    """Open WebUI's fixed paths first: the documented `/api/models/{id}` routes would
    otherwise take `/api/models/base`, `/search` and `/validate` for model ids."""
    v1 = "/api/v1/models"
    return [
        *model_lists.routes(), *model_versions.routes(),
        Route("/api/models", list_runtime_models, methods=["GET"]),
        Route("/api/models/base", list_upstream_models, methods=["GET"]),
        Route(v1, list_runtime_models, methods=["GET"]),
        Route(f"{v1}/model", get_model, methods=["GET"]),
        Route(f"{v1}/create", create_model, methods=["POST"]),
        Route(f"{v1}/model/update", update_model, methods=["POST"]),
        Route(f"{v1}/model/delete", delete_model, methods=["POST"]),
        Route(f"{v1}/model/toggle", toggle_model, methods=["POST"]),
        Route(f"{v1}/model/access/update", update_access, methods=["POST"]),
        *documented_models.routes(),
    ]
