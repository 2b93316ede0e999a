"""Open WebUI's model version routes: `/model/history` (20 a page, newest first), one
version with its snapshot, deleting one, and `/model/update/version` (putting a saved
version in use; a stale `expected_version_id` is Open WebUI's 409 version conflict)."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import page_number, parse_body
from compat_rest.openwebui.model_shapes import (
    VERSIONS,
    model_endpoint,
    query_id,
    workspace_json,
)
from data.tables import ModelHistoryRow
from resolvers.context import Context
from resolvers.models import versions
from resolvers.models.history import HistoryEntry

PAGE = 20


def entry_json(row: ModelHistoryRow, author: str | None) -> dict:
    return {"id": row.id, "model_id": row.model_id, "parent_id": row.parent_id,
            "user_id": row.user_id, "commit_message": row.commit_message,
            "created_at": row.created_at, "user": {"name": author} if author else None}


def listed_json(entry: HistoryEntry) -> dict:
    return entry_json(entry.row, entry.author_name)


@model_endpoint(VERSIONS)
async def list_history(request: Request, ctx: Context) -> list:
    page = page_number(request, PAGE) or 1
    return [listed_json(e) for e in await versions.list_model_versions(
        ctx, query_id(request), page)]


@model_endpoint(VERSIONS)
async def get_history_entry(request: Request, ctx: Context) -> dict:
    row = await versions.get_model_version(ctx, query_id(request),
                                           request.path_params["history_id"])
    return {**entry_json(row, None), "snapshot": row.snapshot}


@model_endpoint(VERSIONS, writes=True)
async def delete_history_entry(request: Request, ctx: Context) -> bool:
    model_id = query_id(request)
    async with ctx.unit_of_work(write=True):
        return await versions.delete_model_version(ctx, model_id,
                                                   request.path_params["history_id"])


class VersionForm(BaseModel):
    version_id: str
    expected_version_id: str | None = None


@model_endpoint(VERSIONS, writes=True)
async def update_version(request: Request, ctx: Context) -> dict:
    model_id = query_id(request)
    form = await parse_body(request, VersionForm)
    async with ctx.unit_of_work(write=True):
        found = await versions.restore_model_version(ctx, model_id, form.version_id,
                                                     expected=form.expected_version_id)
    return workspace_json(found)


def routes() -> list[Route]:
    v1 = "/api/v1/models/model"
    return [
        Route(f"{v1}/history", list_history, methods=["GET"]),
        Route(f"{v1}/history/{{history_id}}", get_history_entry, methods=["GET"]),
        Route(f"{v1}/history/{{history_id}}", delete_history_entry, methods=["DELETE"]),
        Route(f"{v1}/update/version", update_version, methods=["POST"]),
    ]
