"""Open WebUI's workspace models (`model` rows) and who may use them (`access_grant`).

A row with no `base_model_id` overrides an upstream model (its name, whether it is
active) and is what a non-admin needs to use it at all; a row with one is a preset on
that base. Making an upstream model public is a grant to `user:*` on its row; an
administrator may grant on a model that has no row yet, and the row is created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from data.repos.access_grants import EVERYONE, AccessGrantRepo, Grant
from data.repos.groups import GroupRepo
from data.repos.model_history import ModelHistoryRepo
from data.repos.models import ModelRepo
from data.tables import AccessGrantRow, ModelRow
from data.tables.base import now_s
from resolvers.context import Context, Viewer
from resolvers.errors import Conflict, Forbidden, Invalid, NotFound
from resolvers.models import history
from resolvers.models.models import readable_ids
from resolvers.permissions import require_verified
from resolvers.users.permissions import allows, effective_permissions

MAX_ID = 256
RESOURCE = "model"


@dataclass(frozen=True)
class WorkspaceModel:
    row: ModelRow
    grants: tuple[AccessGrantRow, ...]
    write_access: bool


@dataclass(frozen=True)
class ModelCreate:
    id: str
    name: str
    meta: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    base_model_id: str | None = None
    access_grants: tuple[Grant, ...] | None = None
    is_active: bool = True
    commit_message: str | None = None


@dataclass(frozen=True)
class ModelUpdate:
    """None leaves a field as it is."""

    name: str | None = None
    meta: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    base_model_id: str | None = None
    access_grants: tuple[Grant, ...] | None = None
    is_active: bool | None = None
    commit_message: str | None = None
    version_id: str | None = None  # the version the edit was based on; another one: 409
    # meta keys the stored meta keeps when a new meta leaves them out (Open WebUI's images)
    kept_meta: tuple[str, ...] = ()


def grants_from(items: Iterable[Any]) -> tuple[Grant, ...]:
    """Valid grants from a form's list; invalid entries are dropped, as Open WebUI does."""
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind, principal, permission = (item.get("principal_type"), item.get("principal_id"),
                                       item.get("permission"))
        if (kind in ("user", "group") and isinstance(principal, str) and principal
                and permission in ("read", "write")):
            found.append(Grant(kind, principal, permission))
    return tuple(found)


async def write_access(ctx: Context, viewer: Viewer, row: ModelRow) -> bool:
    if viewer.role == "admin" or row.user_id == viewer.id:
        return True
    groups = (await GroupRepo(ctx.session).ids_for_users([viewer.id])).get(viewer.id, [])
    return bool(await AccessGrantRepo(ctx.session).granted(
        RESOURCE, user_id=viewer.id, group_ids=groups, permission="write",
        resource_ids=[row.id]))


async def with_grants(ctx: Context, row: ModelRow, viewer: Viewer) -> WorkspaceModel:
    grants = (await AccessGrantRepo(ctx.session).for_resources(RESOURCE, [row.id])).get(row.id)
    return WorkspaceModel(row, tuple(grants or ()), await write_access(ctx, viewer, row))


async def _row(ctx: Context, model_id: str) -> ModelRow:
    row = await ModelRepo(ctx.session).get(model_id)
    if row is None:
        raise NotFound("No workspace model has this id.", reason="model_row_not_found")
    return row


async def _row_locked(ctx: Context, model_id: str) -> ModelRow:
    row = await ModelRepo(ctx.session).get_for_update(model_id)
    if row is None:
        raise NotFound("No workspace model has this id.", reason="model_row_not_found")
    return row


async def writable_row(ctx: Context, model_id: str, *, lock: bool = False
                    ) -> tuple[Viewer, ModelRow]:
    """The row, when the viewer may change it; `lock` holds it until the unit of work
    ends, so two edits of one version cannot both pass the version check."""
    viewer = await require_verified(ctx)
    row = await (_row_locked(ctx, model_id) if lock else _row(ctx, model_id))
    if not await write_access(ctx, viewer, row):
        raise Forbidden("You may not change this model.", reason="model_write_denied")
    return viewer, row


async def _allowed_grants(ctx: Context, viewer: Viewer, grants: tuple[Grant, ...]
                          ) -> tuple[Grant, ...]:
    """Administrators grant anything; others need Open WebUI's sharing permissions."""
    if viewer.role == "admin":
        return grants
    permissions = await effective_permissions(ctx, viewer.user)
    if not allows(permissions, "sharing.models"):
        return ()
    public = allows(permissions, "sharing.public_models")
    return tuple(g for g in grants if public or g.principal_id != EVERYONE)


def checked_id(model_id: object) -> str:
    """A model id as Open WebUI takes it: present, without spaces, at most 256 long."""
    cleaned = model_id.strip() if isinstance(model_id, str) else ""
    if not cleaned or any(c.isspace() for c in cleaned):
        raise Invalid("A model id is required and may not contain spaces.",
                      reason="invalid_model_id", field="id")
    if len(cleaned) > MAX_ID:
        raise Invalid(f"A model id has at most {MAX_ID} characters.",
                      reason="model_id_too_long", field="id")
    return cleaned


async def get_workspace_model(ctx: Context, model_id: str) -> WorkspaceModel:
    """Its owner, administrators, and anyone it is granted to."""
    viewer = await require_verified(ctx)
    row = await _row(ctx, model_id)
    if viewer.role != "admin" and not await readable_ids(ctx, viewer, [row]):
        raise Forbidden("You may not read this model.", reason="model_read_denied")
    return await with_grants(ctx, row, viewer)


async def create_workspace_model(ctx: Context, data: ModelCreate) -> WorkspaceModel:
    """Administrators, and users with the `workspace.models` permission (who may only
    create presets, on a base model)."""
    viewer = await require_verified(ctx)
    if viewer.role != "admin":
        permissions = await effective_permissions(ctx, viewer.user)
        if not allows(permissions, "workspace.models") or not data.base_model_id:
            raise Forbidden("You may not create models.", reason="workspace_models_denied")
    model_id = checked_id(data.id)
    repo = ModelRepo(ctx.session)
    if await repo.get(model_id) is not None:
        raise Conflict("This model id is taken.", reason="model_id_taken", field="id")
    now = now_s()
    row = ModelRow(id=model_id, user_id=viewer.id, base_model_id=data.base_model_id,
                   name=data.name, params=data.params, meta=data.meta, is_active=data.is_active,
                   created_at=now, updated_at=now)
    await repo.add(row)
    await history.record_version(ctx, viewer, row, data.commit_message)
    if data.access_grants:
        await AccessGrantRepo(ctx.session).replace(
            RESOURCE, model_id, await _allowed_grants(ctx, viewer, data.access_grants))
    return await with_grants(ctx, row, viewer)


async def update_workspace_model(ctx: Context, model_id: str, changes: ModelUpdate
                                 ) -> WorkspaceModel:
    """Its owner, holders of a write grant, and administrators; stores a new version."""
    viewer, row = await writable_row(ctx, model_id, lock=True)
    history.check_version(row, changes.version_id)
    stored_meta = row.meta if isinstance(row.meta, dict) else {}
    for name in ("name", "meta", "params", "base_model_id", "is_active"):
        value = getattr(changes, name)
        if value is not None:
            setattr(row, name, value)
    if changes.meta is not None:
        row.meta = {**{k: stored_meta[k] for k in changes.kept_meta if k in stored_meta},
                    **changes.meta}
    row.updated_at = now_s()
    await history.record_version(ctx, viewer, row, changes.commit_message)
    if changes.access_grants is not None:
        await AccessGrantRepo(ctx.session).replace(
            RESOURCE, model_id, await _allowed_grants(ctx, viewer, changes.access_grants))
    await ctx.session.flush()
    return await with_grants(ctx, row, viewer)


async def toggle_workspace_model(ctx: Context, model_id: str) -> WorkspaceModel:
    """Switch a model on or off (an inactive model is hidden from everyone's list)."""
    viewer, row = await writable_row(ctx, model_id)
    row.is_active = not row.is_active
    row.updated_at = now_s()
    await ctx.session.flush()
    return await with_grants(ctx, row, viewer)


async def delete_workspace_model(ctx: Context, model_id: str) -> bool:
    """Its owner, holders of a write grant, and administrators; its grants go with it."""
    await writable_row(ctx, model_id)
    await AccessGrantRepo(ctx.session).delete_for(RESOURCE, model_id)
    await ModelHistoryRepo(ctx.session).delete_for([model_id])
    await ModelRepo(ctx.session).delete(model_id)
    return True


async def update_model_access(ctx: Context, model_id: str, grants: tuple[Grant, ...], *,
                              name: str | None = None) -> WorkspaceModel:
    """Replace who may use a model. Writers of the row may; an administrator may also
    do it for an upstream model that has no row yet (the row is created, active)."""
    viewer = await require_verified(ctx)
    repo = ModelRepo(ctx.session)
    row = await repo.get(model_id)
    if row is None and viewer.role == "admin":
        now = now_s()
        row = ModelRow(id=model_id, user_id=viewer.id, base_model_id=None,
                       name=name or model_id, params={}, meta={}, is_active=True,
                       created_at=now, updated_at=now)
        await repo.add(row)
    elif row is None:
        raise NotFound("No workspace model has this id.", reason="model_row_not_found")
    elif not await write_access(ctx, viewer, row):
        raise Forbidden("You may not change this model.", reason="model_write_denied")
    await AccessGrantRepo(ctx.session).replace(RESOURCE, model_id,
                                               await _allowed_grants(ctx, viewer, grants))
    return await with_grants(ctx, row, viewer)
