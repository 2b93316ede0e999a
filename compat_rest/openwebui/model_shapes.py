"""What every Open WebUI model route shares: its texts, its per-route statuses, the
envelope of a handler, the forms, and the JSON of a workspace model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request

from compat_rest.common import BadBody
from compat_rest.openwebui.errors import (
    ACCESS_PROHIBITED,
    NOT_FOUND,
    error_response,
    render_domain_error,
)
from compat_rest.streaming import dialect_endpoint
from data.tables import UserRow
from resolvers.errors import DomainError
from resolvers.models import workspace as workspace_models

UNAUTHORIZED = "401 Unauthorized"
MODEL_ID_TAKEN = "Uh-oh! This id is already registered. Please choose another id string."
MODEL_ID_TOO_LONG = ("The model id is too long. Please make sure your model id is less than "
                     "256 characters long.")
TEXTS = {"model_row_not_found": NOT_FOUND, "model_read_denied": ACCESS_PROHIBITED,
         "model_write_denied": ACCESS_PROHIBITED, "workspace_models_denied": UNAUTHORIZED,
         "model_id_taken": MODEL_ID_TAKEN, "model_id_too_long": MODEL_ID_TOO_LONG,
         "model_version_not_found": NOT_FOUND}
# reason -> status, per route, as Open WebUI answers
READ = {"model_row_not_found": 404, "model_read_denied": 401}
CREATE = {"workspace_models_denied": 401, "model_id_taken": 401, "model_id_too_long": 400}
UPDATE = {"model_row_not_found": 401, "model_write_denied": 400}
DELETE = {"model_row_not_found": 401, "model_write_denied": 401}
VERSIONS = {"model_row_not_found": 404, "model_write_denied": 401,
            "model_version_not_found": 404}


def model_endpoint(statuses: Mapping[str, int], *, writes: bool = False,
                   texts: Mapping[str, str] = TEXTS):
    """Open WebUI's envelope with this route's statuses. Writing handlers open their own
    write unit of work (after parsing the body); reading ones run in a read one. A version
    conflict is Open WebUI's one object-valued detail."""
    def render(error: DomainError):
        if error.reason == "version_conflict":
            return error_response(409, {"code": "version_conflict"})
        if error.reason in texts:
            return error_response(statuses.get(error.reason, error.status), texts[error.reason])
        return render_domain_error(error)
    endpoint = dialect_endpoint(render, lambda error: error_response(422, error.errors))
    return endpoint(unit_of_work=not writes)


def grant_json(grant) -> dict:
    return {"id": grant.id, "resource_type": grant.resource_type,
            "resource_id": grant.resource_id, "principal_type": grant.principal_type,
            "principal_id": grant.principal_id, "permission": grant.permission,
            "created_at": grant.created_at}


def workspace_json(found: workspace_models.WorkspaceModel, *, access: bool = True) -> dict:
    """Open WebUI's ModelModel; with `access`, plus `write_access` (a read-only caller's
    `params` are withheld, as Open WebUI withholds them)."""
    row = found.row
    params = row.params or {}
    out = {"id": row.id, "user_id": row.user_id, "base_model_id": row.base_model_id,
           "name": row.name, "params": params if found.write_access or not access else {},
           "meta": row.meta or {}, "access_grants": [grant_json(g) for g in found.grants],
           "is_active": row.is_active, "version_id": row.version_id,
           "updated_at": row.updated_at, "created_at": row.created_at}
    if access:
        out["write_access"] = found.write_access
    return out


def owner_json(user: UserRow | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "role": user.role, "email": user.email}


class ModelForm(BaseModel):
    id: str
    name: str
    meta: dict[str, Any]
    params: dict[str, Any]
    base_model_id: str | None = None
    access_grants: list[Any] | None = None
    is_active: bool | None = None
    commit_message: str | None = None
    version_id: str | None = None


class IdForm(BaseModel):
    id: str


class AccessForm(BaseModel):
    id: str
    name: str | None = None
    access_grants: list[Any]


def query_id(request: Request, name: str = "id") -> str:
    value = request.query_params.get(name)
    if not value:
        raise BadBody([{"type": "missing", "loc": ["query", name], "msg": "Field required"}])
    return value


def grants_of(items: list[Any] | None):
    return None if items is None else workspace_models.grants_from(items)


def create_of(form: ModelForm) -> workspace_models.ModelCreate:
    return workspace_models.ModelCreate(
        id=form.id, name=form.name, meta=form.meta, params=form.params,
        base_model_id=form.base_model_id, access_grants=grants_of(form.access_grants),
        is_active=form.is_active is not False, commit_message=form.commit_message)


# What Open WebUI's update keeps from the stored meta when the form leaves it out.
KEPT_META = ("profile_image_url", "background_image_url", "voice_avatar")


def update_of(form: ModelForm) -> workspace_models.ModelUpdate:
    """Open WebUI's update: what the form leaves out (base model, pictures, whether it is
    active) keeps its stored value."""
    return workspace_models.ModelUpdate(
        kept_meta=KEPT_META,
        name=form.name, meta=form.meta, params=form.params, base_model_id=form.base_model_id,
        access_grants=grants_of(form.access_grants), is_active=form.is_active,
        commit_message=form.commit_message, version_id=form.version_id)
