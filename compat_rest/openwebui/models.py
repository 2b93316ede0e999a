"""Open WebUI's model routes: the runtime list (`GET /api/models`) and the workspace
model routes under `/api/v1/models`, including who may use a model
(`/model/access/update`), with Open WebUI's texts and its status quirks per route."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import BadBody, parse_body
from compat_rest.ollama import serializers as ollama_shapes
from compat_rest.openai import serializers as openai_shapes
from compat_rest.openwebui.errors import (
    ACCESS_PROHIBITED,
    NOT_FOUND,
    error_response,
    render_domain_error,
)
from compat_rest.streaming import dialect_endpoint
from resolvers.context import Context
from resolvers.errors import DomainError
from resolvers.models import models
from resolvers.models import workspace as workspace_models
from resolvers.models.models import AvailableModel

UNAUTHORIZED = "401 Unauthorized"
MODEL_ID_TAKEN = "Uh-oh! This id is already registered. Please choose another id string."
MODEL_ID_TOO_LONG = ("The model id is too long. Please make sure your model id is less than "
                     "256 characters long.")
_TEXTS = {"model_row_not_found": NOT_FOUND, "model_read_denied": ACCESS_PROHIBITED,
          "model_write_denied": ACCESS_PROHIBITED, "workspace_models_denied": UNAUTHORIZED,
          "model_id_taken": MODEL_ID_TAKEN, "model_id_too_long": MODEL_ID_TOO_LONG}
# reason -> status, per route, as Open WebUI answers
_READ = {"model_row_not_found": 404, "model_read_denied": 401}
_CREATE = {"workspace_models_denied": 401, "model_id_taken": 401, "model_id_too_long": 400}
_UPDATE = {"model_row_not_found": 401, "model_write_denied": 400}
_DELETE = {"model_row_not_found": 401, "model_write_denied": 401}


def _endpoint(statuses: Mapping[str, int], *, writes: bool = False):
    """Open WebUI's envelope with this route's statuses. Writing handlers open their own
    write unit of work (after parsing the body); reading ones run in a read one."""
    def render(error: DomainError):
        if error.reason in _TEXTS:
            return error_response(statuses.get(error.reason, error.status), _TEXTS[error.reason])
        return render_domain_error(error)
    endpoint = dialect_endpoint(render, lambda error: error_response(422, error.errors))
    return endpoint(unit_of_work=not writes)


def grant_json(grant) -> dict:
    return {"id": grant.id, "resource_type": grant.resource_type,
            "resource_id": grant.resource_id, "principal_type": grant.principal_type,
            "principal_id": grant.principal_id, "permission": grant.permission,
            "created_at": grant.created_at}


def workspace_json(found: workspace_models.WorkspaceModel) -> dict:
    row = found.row
    return {"id": row.id, "user_id": row.user_id, "base_model_id": row.base_model_id,
            "name": row.name, "params": row.params or {}, "meta": row.meta or {},
            "access_grants": [grant_json(g) for g in found.grants],
            "is_active": row.is_active, "version_id": row.version_id,
            "updated_at": row.updated_at, "created_at": row.created_at,
            "write_access": found.write_access}


_PUBLIC_PARAMS = ("model_controls", "compact_token_threshold")


def runtime_json(model: AvailableModel) -> dict[str, Any]:
    """One entry of `GET /api/models`."""
    entry = model.entry
    out: dict[str, Any] = {"id": model.id, "name": model.name, "object": "model",
                           "created": entry.created, "owned_by": entry.kind,
                           "connection_type": entry.connection_type,
                           "tags": list(entry.tags or []), "actions": [], "filters": []}
    if model.preset:
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


class ModelForm(BaseModel):
    id: str
    name: str
    meta: dict[str, Any]
    params: dict[str, Any]
    base_model_id: str | None = None
    access_grants: list[Any] | None = None
    is_active: bool | None = None


class IdForm(BaseModel):
    id: str


class AccessForm(BaseModel):
    id: str
    name: str | None = None
    access_grants: list[Any]


def _query_id(request: Request) -> str:
    model_id = request.query_params.get("id")
    if not model_id:
        raise BadBody([{"type": "missing", "loc": ["query", "id"], "msg": "Field required"}])
    return model_id


def _grants(items: list[Any] | None):
    return None if items is None else workspace_models.grants_from(items)


@_endpoint(_READ)
async def get_model(request: Request, ctx: Context) -> dict:
    return workspace_json(await workspace_models.get_workspace_model(ctx, _query_id(request)))


@_endpoint(_CREATE, writes=True)
async def create_model(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ModelForm)
    async with ctx.unit_of_work(write=True):
        created = await workspace_models.create_workspace_model(ctx, workspace_models.ModelCreate(
            id=form.id, name=form.name, meta=form.meta, params=form.params,
            base_model_id=form.base_model_id, access_grants=_grants(form.access_grants),
            is_active=form.is_active is not False))
    return workspace_json(created)


@_endpoint(_UPDATE, writes=True)
async def update_model(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ModelForm)
    async with ctx.unit_of_work(write=True):
        updated = await workspace_models.update_workspace_model(
            ctx, form.id, workspace_models.ModelUpdate(
                name=form.name, meta=form.meta, params=form.params,
                base_model_id=form.base_model_id, access_grants=_grants(form.access_grants),
                is_active=form.is_active))
    return workspace_json(updated)


@_endpoint(_DELETE, writes=True)
async def delete_model(request: Request, ctx: Context) -> bool:
    form = await parse_body(request, IdForm)
    async with ctx.unit_of_work(write=True):
        return await workspace_models.delete_workspace_model(ctx, form.id)


@_endpoint(_UPDATE, writes=True)
async def toggle_model(request: Request, ctx: Context) -> dict:
    model_id = _query_id(request)
    async with ctx.unit_of_work(write=True):
        return workspace_json(await workspace_models.toggle_workspace_model(ctx, model_id))


@_endpoint(_UPDATE, writes=True)
async def update_access(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, AccessForm)
    async with ctx.unit_of_work(write=True):
        updated = await workspace_models.update_model_access(
            ctx, form.id, workspace_models.grants_from(form.access_grants), name=form.name)
    return workspace_json(updated)


def routes() -> list[Route]:
    v1 = "/api/v1/models"
    return [
        Route("/api/models", list_runtime_models, methods=["GET"]),
        Route(v1, list_runtime_models, methods=["GET"]),
        Route(f"{v1}/model", get_model, methods=["GET"]),
        Route(f"{v1}/create", create_model, methods=["POST"]),
        Route(f"{v1}/model/update", update_model, methods=["POST"]),
        Route(f"{v1}/model/delete", delete_model, methods=["POST"]),
        Route(f"{v1}/model/toggle", toggle_model, methods=["POST"]),
        Route(f"{v1}/model/access/update", update_access, methods=["POST"]),
    ]
