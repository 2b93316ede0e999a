"""Storing pipelines: create, read, list, update, duplicate, delete. A pipeline belongs to
whoever made it; `access_grant` rows (resource type `pipeline`) let others read (and
run) or write it. A definition is saved only when its shape is sound and its owner may
use every model, knowledge base, file and function it names (400 listing every problem).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from data.repos.access_grants import EVERYONE, AccessGrantRepo, Grant
from data.repos.pipelines import PipelineRepo
from data.repos.users import UserRepo
from data.tables import AccessGrantRow, PipelineRow
from data.tables.base import now_s
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid, NotFound
from resolvers.permissions import require_verified
from resolvers.pipelines.access import RESOURCE, granted, may, usable_problems
from resolvers.pipelines.definition import MAX_STEPS, check_definition, steps_of
from resolvers.pipelines.errors import DefinitionInvalid

MAX_NAME = 256
MAX_DESCRIPTION = 10_000
PAGE_LIMIT = 100


@dataclass(frozen=True)
class StoredPipeline:
    row: PipelineRow
    grants: tuple[AccessGrantRow, ...]
    write_access: bool


@dataclass(frozen=True)
class PipelineCreate:
    name: str
    definition: Any
    description: str = ""
    access_grants: tuple[Grant, ...] = ()


@dataclass(frozen=True)
class PipelineUpdate:
    """None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    definition: Any = None
    access_grants: tuple[Grant, ...] | None = None


@dataclass(frozen=True)
class PipelinePage:
    pipelines: list[StoredPipeline]
    total: int


def pipeline_not_found(pipeline_id: str) -> NotFound:
    return NotFound(f"No pipeline {pipeline_id!r} that you may see.",
                    reason="pipeline_not_found")


def _checked_text(value: str, field: str, limit: int, *, required: bool) -> str:
    cleaned = value.strip() if isinstance(value, str) else ""
    if (required and not cleaned) or len(cleaned) > limit or not isinstance(value, str):
        raise Invalid(f"{field} is text of {1 if required else 0} to {limit} characters.",
                      reason="invalid_pipeline", field=field)
    return cleaned


async def checked_definition(ctx: Context, owner: Viewer, definition: Any) -> dict:
    """The definition when it is sound and `owner` may use what it names."""
    problems = check_definition(definition)
    if not isinstance(definition, dict) or not isinstance(definition.get("steps"), list) \
            or len(definition["steps"]) > MAX_STEPS:
        raise DefinitionInvalid(problems)
    # What steps use is checked even when their shape has problems: one answer lists all.
    named = [s for s in steps_of(definition) if isinstance(s, dict)
             and isinstance(s.get("name"), str)]
    problems += await usable_problems(ctx, owner, named)
    if problems:
        raise DefinitionInvalid(problems)
    return {"steps": steps_of(definition)}


async def _owner(ctx: Context, row: PipelineRow, viewer: Viewer) -> Viewer:
    if row.user_id == viewer.id:
        return viewer
    user = await UserRepo(ctx.session).get(row.user_id)
    if user is None:  # an orphaned pipeline: its editor answers for it
        return viewer
    return Viewer(user=user, via="session", token="")


def _allowed_grants(viewer: Viewer, grants: tuple[Grant, ...]) -> tuple[Grant, ...]:
    """Administrators share with anyone; others with people and groups, not everyone."""
    if viewer.role == "admin":
        return grants
    return tuple(g for g in grants if g.principal_id != EVERYONE)


async def _stored(ctx: Context, row: PipelineRow, viewer: Viewer) -> StoredPipeline:
    grants = (await AccessGrantRepo(ctx.session).for_resources(RESOURCE, [row.id])).get(row.id)
    return StoredPipeline(row, tuple(grants or ()), await may(ctx, viewer, row, "write"))


async def readable_row(ctx: Context, pipeline_id: str) -> tuple[Viewer, PipelineRow]:
    viewer = await require_verified(ctx)
    row = await PipelineRepo(ctx.session).get(pipeline_id)
    if row is None or not await may(ctx, viewer, row, "read"):
        raise pipeline_not_found(pipeline_id)
    return viewer, row


async def _writable_row(ctx: Context, pipeline_id: str) -> tuple[Viewer, PipelineRow]:
    viewer = await require_verified(ctx)
    row = await PipelineRepo(ctx.session).get_for_update(pipeline_id)
    if row is None or not await may(ctx, viewer, row, "read"):
        raise pipeline_not_found(pipeline_id)
    if not await may(ctx, viewer, row, "write"):
        raise Forbidden("You may not change this pipeline.", reason="pipeline_write_denied")
    return viewer, row


async def create_pipeline(ctx: Context, data: PipelineCreate) -> StoredPipeline:
    """Approved accounts; the caller owns it."""
    viewer = await require_verified(ctx)
    name = _checked_text(data.name, "name", MAX_NAME, required=True)
    description = _checked_text(data.description, "description", MAX_DESCRIPTION,
                                required=False)
    definition = await checked_definition(ctx, viewer, data.definition)
    now = now_s()
    row = PipelineRow(id=str(uuid.uuid4()), user_id=viewer.id, name=name,
                      description=description, definition=definition, version=1,
                      created_at=now, updated_at=now)
    await PipelineRepo(ctx.session).add(row)
    if data.access_grants:
        await AccessGrantRepo(ctx.session).replace(
            RESOURCE, row.id, _allowed_grants(viewer, data.access_grants))
    return await _stored(ctx, row, viewer)


async def get_pipeline(ctx: Context, pipeline_id: str) -> StoredPipeline:
    """Its owner, administrators, and those it is granted to."""
    viewer, row = await readable_row(ctx, pipeline_id)
    return await _stored(ctx, row, viewer)


async def list_pipelines(ctx: Context, *, offset: int = 0, limit: int = PAGE_LIMIT
                         ) -> PipelinePage:
    """The pipelines the caller may read (administrators: all), newest change first."""
    viewer = await require_verified(ctx)
    if isinstance(limit, bool) or not 1 <= limit <= PAGE_LIMIT or offset < 0:
        raise Invalid(f"A page holds 1 to {PAGE_LIMIT} pipelines.", reason="invalid_page")
    scope = None if viewer.role == "admin" else (viewer.id, sorted(
        await granted(ctx, viewer, "read")))
    rows, total = await PipelineRepo(ctx.session).page(owner_or_ids=scope, offset=offset,
                                                       limit=limit)
    return PipelinePage([await _stored(ctx, row, viewer) for row in rows], total)


async def update_pipeline(ctx: Context, pipeline_id: str, changes: PipelineUpdate
                          ) -> StoredPipeline:
    """Its owner, holders of a write grant, administrators; a new definition is checked
    against what the owner may use, and the version goes up."""
    viewer, row = await _writable_row(ctx, pipeline_id)
    if changes.name is not None:
        row.name = _checked_text(changes.name, "name", MAX_NAME, required=True)
    if changes.description is not None:
        row.description = _checked_text(changes.description, "description",
                                        MAX_DESCRIPTION, required=False)
    if changes.definition is not None:
        row.definition = await checked_definition(ctx, await _owner(ctx, row, viewer),
                                                  changes.definition)
    row.version += 1
    row.updated_at = now_s()
    if changes.access_grants is not None:
        await AccessGrantRepo(ctx.session).replace(
            RESOURCE, row.id, _allowed_grants(viewer, changes.access_grants))
    await ctx.session.flush()
    return await _stored(ctx, row, viewer)


async def duplicate_pipeline(ctx: Context, pipeline_id: str, *, name: str | None = None
                             ) -> StoredPipeline:
    """Whoever may read it: a copy the caller owns (no grants), checked against what the
    caller may use."""
    viewer, row = await readable_row(ctx, pipeline_id)
    return await create_pipeline(ctx, PipelineCreate(
        name=name if name is not None else f"{row.name} (copy)"[:MAX_NAME],
        description=row.description, definition=row.definition))


async def delete_pipeline(ctx: Context, pipeline_id: str) -> bool:
    """Its owner, holders of a write grant, administrators; its grants and runs go too."""
    await _writable_row(ctx, pipeline_id)
    await AccessGrantRepo(ctx.session).delete_for(RESOURCE, pipeline_id)
    return await PipelineRepo(ctx.session).delete(pipeline_id)
