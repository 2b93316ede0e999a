"""Open WebUI's `/api/v1/knowledge` routes and the documented short `/api/knowledge`
routes, over one set of resolvers. Statuses follow Open WebUI route by route: reading
an unknown knowledge base is 404 and one the caller may not read 401; the changing
routes answer 400 for both; creating without `workspace.knowledge` is 401; a file the
caller may not read is 403, an unprocessed one 400 FILE_NOT_PROCESSED. An embedding
upstream that fails answers its 5xx with the reason, and nothing is linked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, RootModel
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import BadBody, page_number, parse_body, query_int
from compat_rest.openwebui import knowledge_serializers as shapes
from compat_rest.openwebui.errors import (
    ACCESS_PROHIBITED,
    NOT_FOUND,
    endpoint,
)
from resolvers.context import Context
from resolvers.knowledge import files as kb_files
from resolvers.knowledge import knowledge
from resolvers.models.workspace import grants_from

V1, SHORT = "/api/v1/knowledge", "/api/knowledge"
PAGE = 30
FILE_NOT_PROCESSED = ("Extracted content is not available for this file. Please ensure that "
                      "the file is processed before proceeding.")
_DENIED = ("knowledge_access_denied", "knowledge_write_denied")


def _statuses(missing: int, denied: int, **more: int | tuple[int, str]
              ) -> Mapping[str, int | tuple[int, str]]:
    """Open WebUI's texts with this route's statuses."""
    return {"knowledge_not_found": (missing, NOT_FOUND),
            **{reason: (denied, ACCESS_PROHIBITED) for reason in _DENIED}, **more}


READ = _statuses(404, 401)
CHANGE = _statuses(400, 400)
CREATE = {"workspace_knowledge_denied": (401, "401 Unauthorized")}
FILES = _statuses(400, 400, knowledge_file_missing=(400, NOT_FOUND),
                  knowledge_file_denied=(403, ACCESS_PROHIBITED),
                  file_not_processed=(400, FILE_NOT_PROCESSED),
                  knowledge_file_exists=400, knowledge_external=400)


class KnowledgeForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    description: str
    access_grants: list[Any] | None = None


class AccessForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    access_grants: list[Any]


class FileForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    file_id: str
    directory_id: str | None = None


class BatchForm(RootModel[list[FileForm]]):
    pass


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = (request.query_params.get(name) or "").strip().lower()
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    if raw == "":
        return default
    raise BadBody([{"type": "bool_parsing", "loc": ["query", name], "input": raw,
                    "msg": "Input should be a valid boolean"}])


def _grants(items: list[Any] | None):
    return None if items is None else grants_from(items)


def _id(request: Request) -> str:
    return request.path_params["knowledge_id"]


async def _listed(request: Request, ctx: Context, filter: knowledge.KnowledgeFilter) -> dict:
    page = page_number(request, PAGE) or 1
    found = await knowledge.list_knowledge(ctx, filter, offset=(page - 1) * PAGE, limit=PAGE)
    details = await knowledge.knowledge_details(ctx, [e.row for e in found.entries])
    return {"items": [shapes.list_entry(e, details) for e in found.entries],
            "total": found.total}


@endpoint()
async def list_knowledge(request: Request, ctx: Context) -> dict:
    """`{items, total}`, 30 a `page`, newest change first."""
    return await _listed(request, ctx, knowledge.KnowledgeFilter())


@endpoint(overrides={"invalid_knowledge": 422})
async def search_knowledge(request: Request, ctx: Context) -> dict:
    """`query` in the name or description; `view_option` `created` (own) or `shared`;
    `order_by` name, created_at or updated_at; `direction` asc or desc."""
    params = request.query_params
    view = params.get("view_option") or ""
    return await _listed(request, ctx, knowledge.KnowledgeFilter(
        query=params.get("query") or None,
        mine={"created": True, "shared": False}.get(view),
        order=params.get("order_by") or "updated_at",
        descending=(params.get("direction") or "desc").lower() != "asc"))


@endpoint(write=True, overrides=CREATE)
async def create_knowledge(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, KnowledgeForm)
    created = await knowledge.create_knowledge(ctx, knowledge.KnowledgeCreate(
        name=form.name, description=form.description,
        access_grants=_grants(form.access_grants)))
    return shapes.knowledge_alone(created, write_access=False)


@endpoint(overrides=READ)
async def get_knowledge(request: Request, ctx: Context) -> dict:
    return shapes.knowledge_alone(await knowledge.get_knowledge(ctx, _id(request)))


@endpoint(overrides=CHANGE)
async def knowledge_files(request: Request, ctx: Context) -> dict:
    """The files, 30 a `page` (administrators may ask another `limit`), `query` in the
    file name; `include_content` adds the extracted text."""
    found = await kb_files.list_knowledge_files(
        ctx, _id(request), query=request.query_params.get("query") or None,
        page=page_number(request, kb_files.MAX_PAGE) or 1,
        limit=query_int(request, "limit", low=1, high=kb_files.MAX_PAGE))
    return shapes.files_page(found, content=_flag(request, "include_content", False))


@endpoint(write=True, overrides=CHANGE)
async def update_knowledge(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, KnowledgeForm)
    updated = await knowledge.update_knowledge(ctx, _id(request), knowledge.KnowledgeUpdate(
        name=form.name, description=form.description,
        access_grants=_grants(form.access_grants)))
    return shapes.knowledge_with_files(updated)


@endpoint(write=True, overrides=CHANGE)
async def update_access(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, AccessForm)
    updated = await knowledge.update_knowledge_access(ctx, _id(request),
                                                      grants_from(form.access_grants))
    return shapes.knowledge_with_files(updated)


@endpoint(overrides=CHANGE)
async def delete_knowledge(request: Request, ctx: Context) -> bool:
    return await knowledge.delete_knowledge(ctx, _id(request))


@endpoint(overrides=CHANGE)
async def reset_knowledge(request: Request, ctx: Context) -> dict:
    return shapes.knowledge_with_files(await knowledge.reset_knowledge(ctx, _id(request)))


@endpoint(overrides=FILES)
async def add_file(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, FileForm)
    return shapes.knowledge_with_files(await kb_files.add_file(
        ctx, _id(request), form.file_id, directory_id=form.directory_id))


@endpoint(overrides=FILES)
async def add_files(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, BatchForm)
    directories = {item.directory_id for item in form.root}
    return shapes.knowledge_with_files(await kb_files.add_files(
        ctx, _id(request), [item.file_id for item in form.root],
        directory_id=directories.pop() if len(directories) == 1 else None))


@endpoint(overrides=FILES)
async def update_file(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, FileForm)
    return shapes.knowledge_with_files(await kb_files.update_file(ctx, _id(request),
                                                                  form.file_id))


@endpoint(overrides=FILES)
async def remove_file(request: Request, ctx: Context) -> dict:
    """`delete_file` (default true, as Open WebUI without file retention) also deletes a
    file the caller owns."""
    delete = _flag(request, "delete_file", True)
    form = await parse_body(request, FileForm)
    return shapes.knowledge_with_files(await kb_files.remove_file(
        ctx, _id(request), form.file_id, delete_file=delete))


def routes() -> list[Route]:
    one = f"{V1}/{{knowledge_id}}"
    short = f"{SHORT}/{{knowledge_id}}"
    return [
        Route(V1, list_knowledge, methods=["GET"]),
        Route(f"{V1}/search", search_knowledge, methods=["GET"]),
        Route(f"{V1}/create", create_knowledge, methods=["POST"]),
        Route(one, get_knowledge, methods=["GET"]),
        Route(f"{one}/files", knowledge_files, methods=["GET"]),
        Route(f"{one}/update", update_knowledge, methods=["POST"]),
        Route(f"{one}/access/update", update_access, methods=["POST"]),
        Route(f"{one}/delete", delete_knowledge, methods=["DELETE"]),
        Route(f"{one}/reset", reset_knowledge, methods=["POST"]),
        Route(f"{one}/file/add", add_file, methods=["POST"]),
        Route(f"{one}/file/update", update_file, methods=["POST"]),
        Route(f"{one}/file/remove", remove_file, methods=["POST"]),
        Route(f"{one}/files/batch/add", add_files, methods=["POST"]),
        # The documented short routes.
        Route(SHORT, list_knowledge, methods=["GET"]),
        Route(SHORT, create_knowledge, methods=["POST"]),
        Route(short, get_knowledge, methods=["GET"]),
        Route(short, update_knowledge, methods=["POST"]),
        Route(short, delete_knowledge, methods=["DELETE"]),
    ]
