"""Moving workspace models in bulk and copying one: export, import, duplicate, delete all."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from data.repos.access_grants import AccessGrantRepo
from data.repos.model_history import ModelHistoryRepo
from data.repos.models import ModelRepo
from data.tables import ModelRow
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.models import history
from resolvers.models.lists import all_models
from resolvers.models.workspace import (
    RESOURCE,
    ModelCreate,
    WorkspaceModel,
    checked_id,
    create_workspace_model,
    get_workspace_model,
)
from resolvers.permissions import require_admin

MAX_COPIES = 100


async def export_models(ctx: Context) -> list[WorkspaceModel]:
    """Administrators: every row, as the import takes them back."""
    return await all_models(ctx)


async def import_models(ctx: Context, models: Sequence[ModelCreate]) -> list[WorkspaceModel]:
    """Administrators: each model is created (owned by the caller) or, when its id exists,
    updated; each gets a version, and the grants it lists. All or nothing: one bad entry
    refuses the whole list."""
    viewer = await require_admin(ctx)
    ids = [checked_id(m.id) for m in models]
    for model, model_id in zip(models, ids, strict=True):
        if not isinstance(model.name, str) or not model.name.strip():
            raise Invalid(f"The model {model_id!r} has no name.", reason="invalid_model_name",
                          field="name")
    if len(set(ids)) != len(ids):
        raise Invalid("The list names one model id twice.", reason="duplicate_model_id",
                      field="id")
    repo = ModelRepo(ctx.session)
    existing = await repo.by_ids(ids)
    now = now_s()
    for model, model_id in zip(models, ids, strict=True):
        row = existing.get(model_id)
        if row is None:
            row = ModelRow(id=model_id, user_id=viewer.id, created_at=now)
            ctx.session.add(row)
        row.name, row.base_model_id = model.name, model.base_model_id
        row.params, row.meta = dict(model.params or {}), dict(model.meta or {})
        row.is_active, row.updated_at = model.is_active, now
        await ctx.session.flush()
        await history.record_version(ctx, viewer, row, model.commit_message)
        if model.access_grants is not None:
            await AccessGrantRepo(ctx.session).replace(RESOURCE, model_id, model.access_grants)
    found = {m.row.id: m for m in await all_models(ctx)}
    return [found[model_id] for model_id in ids]


async def duplicate_model(ctx: Context, model_id: str, *, new_id: str | None = None,
                          name: str | None = None) -> WorkspaceModel:
    """A copy of a model the caller may read, owned by the caller, shared with nobody,
    under a new id (`<id>-copy`, `<id>-copy-2`, ... when none is given). A copy of an
    upstream model's row is a preset on that model. Creating it needs what creating
    any model needs."""
    source = (await get_workspace_model(ctx, model_id)).row
    if new_id is None:
        new_id = await _free_id(ctx, f"{source.id}-copy")
    return await create_workspace_model(ctx, ModelCreate(
        id=new_id, name=name or f"{source.name} (copy)",
        meta=copy.deepcopy(source.meta) if isinstance(source.meta, dict) else {},
        params=copy.deepcopy(source.params) if isinstance(source.params, dict) else {},
        base_model_id=source.base_model_id or source.id, is_active=source.is_active,
        commit_message=f"Duplicated from {source.id}"))


async def _free_id(ctx: Context, wanted: str) -> str:
    repo = ModelRepo(ctx.session)
    candidates = [wanted, *(f"{wanted}-{n}" for n in range(2, MAX_COPIES))]
    taken = await repo.by_ids(candidates)
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    raise Invalid("Too many copies of this model; name the copy.", reason="too_many_copies",
                  field="id")


async def delete_all_models(ctx: Context) -> bool:
    """Administrators: every row, with its grants and versions."""
    await require_admin(ctx)
    await ModelHistoryRepo(ctx.session).delete_for(None)
    await ModelRepo(ctx.session).delete_all()
    return True
