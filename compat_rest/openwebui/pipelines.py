"""The documented pipeline routes (`/api/pipelines...`): Parley's own stored pipelines.
Open WebUI has nothing under `/api/pipelines` (its admin proxy to a Pipelines server is
`/api/v1/pipelines/*`, in pipeline_servers.py), so these take plain HTTP statuses in its
`{"detail": ...}` envelope; a definition's or an access check's problems are also listed
under `problems` (`{step, field, message}`), every one of them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from compat_rest.common import page_number, parse_body
from compat_rest.openwebui.errors import error_response, render_domain_error
from compat_rest.openwebui.model_shapes import grant_json
from compat_rest.streaming import dialect_endpoint
from resolvers.context import Context
from resolvers.errors import DomainError
from resolvers.models.workspace import grants_from
from resolvers.pipelines import pipelines, runs

PAGE = 50


def _render(error: DomainError):
    problems = getattr(error, "problems", None)
    if problems is None:
        return render_domain_error(error)
    return JSONResponse({"detail": error.message, "problems": [
        {"step": p.step, "field": p.field, "message": p.message} for p in problems]},
        status_code=error.status)


endpoint = dialect_endpoint(_render, lambda error: error_response(422, error.errors))


class PipelineForm(BaseModel):
    name: str
    description: str = ""
    definition: Any
    access_grants: list[Any] | None = None


class UpdateForm(BaseModel):
    name: str | None = None
    description: str | None = None
    definition: Any = None
    access_grants: list[Any] | None = None


class DuplicateForm(BaseModel):
    name: str | None = None


class ExecuteForm(BaseModel):
    input: str = ""


def pipeline_json(found: pipelines.StoredPipeline) -> dict:
    row = found.row
    return {"id": row.id, "user_id": row.user_id, "name": row.name,
            "description": row.description, "definition": row.definition,
            "version": row.version, "access_grants": [grant_json(g) for g in found.grants],
            "write_access": found.write_access, "created_at": row.created_at,
            "updated_at": row.updated_at}


def run_json(row) -> dict:
    return {"id": row.id, "pipeline_id": row.pipeline_id,
            "pipeline_version": row.pipeline_version, "user_id": row.user_id,
            "task_id": row.task_id, "status": row.status, "input": row.input,
            "output": row.output, "error": row.error, "steps": row.steps,
            "started_at": row.started_at, "ended_at": row.ended_at}


async def _optional(request: Request, form: type[BaseModel]) -> Any:
    return await parse_body(request, form) if await request.body() else form()


@endpoint()
async def list_pipelines(request: Request, ctx: Context) -> dict:
    page = page_number(request, PAGE) or 1
    found = await pipelines.list_pipelines(ctx, offset=(page - 1) * PAGE, limit=PAGE)
    return {"items": [pipeline_json(p) for p in found.pipelines], "total": found.total,
            "page": page, "per_page": PAGE}


@endpoint(unit_of_work=False)
async def create_pipeline(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, PipelineForm)
    async with ctx.unit_of_work(write=True):
        created = await pipelines.create_pipeline(ctx, pipelines.PipelineCreate(
            name=form.name, description=form.description, definition=form.definition,
            access_grants=grants_from(form.access_grants or [])))
    return pipeline_json(created)


@endpoint()
async def get_pipeline(request: Request, ctx: Context) -> dict:
    return pipeline_json(await pipelines.get_pipeline(ctx, request.path_params["id"]))


@endpoint(unit_of_work=False)
async def update_pipeline(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, UpdateForm)
    grants = None if form.access_grants is None else grants_from(form.access_grants)
    async with ctx.unit_of_work(write=True):
        updated = await pipelines.update_pipeline(
            ctx, request.path_params["id"], pipelines.PipelineUpdate(
                name=form.name, description=form.description, definition=form.definition,
                access_grants=grants))
    return pipeline_json(updated)


@endpoint(unit_of_work=False)
async def delete_pipeline(request: Request, ctx: Context) -> bool:
    async with ctx.unit_of_work(write=True):
        return await pipelines.delete_pipeline(ctx, request.path_params["id"])


@endpoint(unit_of_work=False)
async def duplicate_pipeline(request: Request, ctx: Context) -> dict:
    form = await _optional(request, DuplicateForm)
    async with ctx.unit_of_work(write=True):
        copied = await pipelines.duplicate_pipeline(ctx, request.path_params["id"],
                                                    name=form.name)
    return pipeline_json(copied)


@endpoint(unit_of_work=False)
async def execute_pipeline(request: Request, ctx: Context) -> dict:
    """`?wait=true` answers the ended run; otherwise the running one, at once."""
    form = await _optional(request, ExecuteForm)
    wait = request.query_params.get("wait", "").lower() in ("1", "true", "yes")
    async with ctx.unit_of_work(write=True):
        run = await runs.execute_pipeline(ctx, request.path_params["id"], given=form.input,
                                          route=request.url.path)
        if not wait:
            return run_json(run)
    await runs.wait_for_run(run.id)
    async with ctx.unit_of_work():
        return run_json(await runs.get_run(ctx, run.id))


@endpoint()
async def list_runs(request: Request, ctx: Context) -> dict:
    page = page_number(request, PAGE) or 1
    found = await runs.list_runs(ctx, request.path_params["id"], offset=(page - 1) * PAGE,
                                 limit=PAGE)
    return {"items": [run_json(r) for r in found.runs], "total": found.total, "page": page,
            "per_page": PAGE}


@endpoint()
async def get_run(request: Request, ctx: Context) -> dict:
    return run_json(await runs.get_run(ctx, request.path_params["run_id"],
                                       pipeline_id=request.path_params["id"]))


def routes() -> list[Route]:
    one = "/api/pipelines/{id}"
    return [
        Route("/api/pipelines", list_pipelines, methods=["GET"]),
        Route("/api/pipelines", create_pipeline, methods=["POST"]),
        Route(one, get_pipeline, methods=["GET"]),
        Route(one, update_pipeline, methods=["POST"]),
        Route(one, delete_pipeline, methods=["DELETE"]),
        Route(f"{one}/execute", execute_pipeline, methods=["POST"]),
        Route(f"{one}/duplicate", duplicate_pipeline, methods=["POST"]),
        Route(f"{one}/runs", list_runs, methods=["GET"]),
        Route(f"{one}/runs/{{run_id}}", get_run, methods=["GET"]),
    ]


