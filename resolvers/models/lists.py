"""Lists of workspace models (`model` rows): Open WebUI's paged list, base models, every
row, tags, and the documented search. Who sees what: administrators every row; anyone
else the rows they own or hold a read or write grant on."""

from __future__ import annotations

from dataclasses import dataclass

from data.repos.access_grants import AccessGrantRepo
from data.repos.groups import GroupRepo
from data.repos.model_search import ModelFilter, ModelSearchRepo, Reader
from data.repos.models import ModelRepo
from data.tables import ModelRow, UserRow
from resolvers.context import Context, Viewer
from resolvers.errors import Invalid
from resolvers.models.workspace import WorkspaceModel
from resolvers.permissions import require_admin, require_verified

PAGE = 30  # Open WebUI's page of models
ORDERS = ("name", "created_at", "updated_at")
VIEW_OPTIONS = ("created", "shared")


@dataclass(frozen=True)
class ListedModel:
    model: WorkspaceModel
    owner: UserRow | None


@dataclass(frozen=True)
class ModelPage:
    items: list[ListedModel]
    total: int


async def reader_of(ctx: Context, viewer: Viewer) -> Reader:
    groups = (await GroupRepo(ctx.session).ids_for_users([viewer.id])).get(viewer.id, [])
    return Reader(viewer.id, tuple(groups), sees_all=viewer.role == "admin")


def checked_filter(found: ModelFilter) -> ModelFilter:
    if found.order_by not in ORDERS:
        raise Invalid(f"order_by is one of {', '.join(ORDERS)}.", reason="invalid_order",
                      field="order_by")
    if found.view_option is not None and found.view_option not in VIEW_OPTIONS:
        raise Invalid("view_option is `created` or `shared`.", reason="invalid_view_option",
                      field="view_option")
    return found


async def _with_access(ctx: Context, viewer: Viewer, reader: Reader,
                       rows: list[ModelRow]) -> list[WorkspaceModel]:
    """Each row with its grants and whether the viewer may change it: two statements."""
    ids = [r.id for r in rows]
    grants = await AccessGrantRepo(ctx.session).for_resources("model", ids)
    if reader.sees_all:
        writable = set(ids)
    else:
        others = [r.id for r in rows if r.user_id != viewer.id]
        writable = {r.id for r in rows if r.user_id == viewer.id}
        if others:
            writable |= await AccessGrantRepo(ctx.session).granted(
                "model", user_id=viewer.id, group_ids=reader.group_ids, permission="write",
                resource_ids=others)
    return [WorkspaceModel(r, tuple(grants.get(r.id, ())), r.id in writable) for r in rows]


async def page_models(ctx: Context, found: ModelFilter, *, page: int = 1,
                      per_page: int = PAGE) -> ModelPage:
    """Verified users: one page of the rows they may see, with owners and grants."""
    viewer = await require_verified(ctx)
    if page < 1:
        raise Invalid("page counts from 1.", reason="invalid_page", field="page")
    reader = await reader_of(ctx, viewer)
    rows, total = await ModelSearchRepo(ctx.session).page(
        reader, checked_filter(found), offset=(page - 1) * per_page, limit=per_page)
    loaded = await _with_access(ctx, viewer, reader, [row for row, _ in rows])
    return ModelPage([ListedModel(m, owner) for m, (_, owner) in zip(loaded, rows, strict=True)],
                     total)


async def base_models(ctx: Context, tag: str | None = None) -> list[WorkspaceModel]:
    """Administrators: the rows that override upstream models (no base model)."""
    viewer = await require_admin(ctx)
    reader = await reader_of(ctx, viewer)
    rows = await ModelSearchRepo(ctx.session).rows(reader, ModelFilter(tag=tag, base_only=True))
    return await _with_access(ctx, viewer, reader, rows)


async def all_models(ctx: Context) -> list[WorkspaceModel]:
    """Administrators: every row."""
    viewer = await require_admin(ctx)
    rows = list(await ModelRepo(ctx.session).all())
    return await _with_access(ctx, viewer, await reader_of(ctx, viewer), rows)


async def model_tags(ctx: Context) -> list[str]:
    """Verified users: the tag names on the models they may see."""
    viewer = await require_verified(ctx)
    return await ModelSearchRepo(ctx.session).tags(await reader_of(ctx, viewer))


async def profile_image(ctx: Context, model_id: str) -> str | None:
    """Verified users: a model's `meta.profile_image_url` (None: the default image)."""
    await require_verified(ctx)
    row = await ModelRepo(ctx.session).get(model_id)
    meta = row.meta if row is not None and isinstance(row.meta, dict) else {}
    url = meta.get("profile_image_url")
    return url if isinstance(url, str) and url else None
