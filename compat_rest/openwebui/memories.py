"""Open WebUI's `/api/v1/memories` routes and the documented short `/api/memory` routes,
over one set of resolvers. Statuses follow Open WebUI: 400 for empty content or nothing
to change, 404 for an unknown (or another user's) memory and for a query by a user with
no memories, `false` with 200 for deleting one that is not there. An embedding upstream
that fails answers its 5xx with the reason as the detail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openwebui.errors import ACCESS_PROHIBITED, NOT_FOUND, endpoint
from data.tables import MemoryRow
from resolvers.context import Context
from resolvers.memories import memories, search

V1 = "/api/v1/memories"
SHORT = "/api/memory"
DIALECT = {"memory_not_found": (404, NOT_FOUND), "memories_empty": (404, NOT_FOUND),
           "memories_disabled": (404, NOT_FOUND),
           "memories_forbidden": (403, ACCESS_PROHIBITED)}


class AddForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    content: StrictStr
    type: StrictStr = "context"
    path: StrictStr | None = None


class UpdateForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    content: StrictStr | None = None
    type: StrictStr | None = None
    path: StrictStr | None = None


class QueryForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    content: StrictStr
    k: StrictInt = 1


def memory_json(row: MemoryRow) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "type": row.type, "path": row.path,
            "content": row.content, "meta": row.meta, "updated_at": row.updated_at,
            "created_at": row.created_at}


@endpoint(overrides=DIALECT)
async def list_memories(request: Request, ctx: Context) -> list[dict]:
    return [memory_json(row) for row in await memories.list_memories(ctx)]


@endpoint(overrides=DIALECT)
async def get_memory(request: Request, ctx: Context) -> dict:
    return memory_json(await memories.get_memory(ctx, request.path_params["memory_id"]))


@endpoint(overrides=DIALECT)
async def add_memory(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, AddForm)
    row = await memories.add_memory(ctx, memories.MemoryCreate(
        content=form.content, type=form.type, path=form.path))
    return memory_json(row)


@endpoint(overrides=DIALECT)
async def update_memory(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, UpdateForm)
    row = await memories.update_memory(ctx, request.path_params["memory_id"],
                                       memories.MemoryUpdate(content=form.content,
                                                             type=form.type, path=form.path))
    return memory_json(row)


@endpoint(overrides=DIALECT)
async def delete_memory(request: Request, ctx: Context) -> bool:
    return await memories.delete_memory(ctx, request.path_params["memory_id"])


@endpoint(overrides=DIALECT)
async def delete_all_memories(request: Request, ctx: Context) -> bool:
    await memories.delete_all_memories(ctx)
    return True


@endpoint(overrides=DIALECT)
async def query_memories(request: Request, ctx: Context) -> dict:
    """Chroma's result shape, one inner list (Open WebUI answers the store's result)."""
    form = await parse_body(request, QueryForm)
    found = await search.query_memories(ctx, form.content, k=form.k)
    return {"ids": [[f.row.id for f in found]],
            "documents": [[f.row.content for f in found]],
            "metadatas": [[{"created_at": f.row.created_at, "updated_at": f.row.updated_at,
                            "type": f.row.type, "path": f.row.path} for f in found]],
            "distances": [[f.score for f in found]]}


@endpoint(overrides=DIALECT)
async def reset_memories(request: Request, ctx: Context) -> bool:
    await search.reset_memories(ctx)
    return True


def routes() -> list[Route]:
    one = f"{V1}/{{memory_id}}"
    return [
        Route(V1, list_memories, methods=["GET"]),
        Route(f"{V1}/add", add_memory, methods=["POST"]),
        Route(f"{V1}/query", query_memories, methods=["POST"]),
        Route(f"{V1}/reset", reset_memories, methods=["POST"]),
        Route(f"{V1}/delete/user", delete_all_memories, methods=["DELETE"]),
        Route(f"{one}/update", update_memory, methods=["POST"]),
        Route(one, delete_memory, methods=["DELETE"]),
        # The documented short routes.
        Route(SHORT, list_memories, methods=["GET"]),
        Route(SHORT, add_memory, methods=["POST"]),
        Route(f"{SHORT}/query", query_memories, methods=["POST"]),
        Route(f"{SHORT}/{{memory_id}}", get_memory, methods=["GET"]),
        Route(f"{SHORT}/{{memory_id}}", update_memory, methods=["POST"]),
        Route(f"{SHORT}/{{memory_id}}", delete_memory, methods=["DELETE"]),
    ]
