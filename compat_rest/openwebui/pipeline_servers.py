"""Open WebUI's `/api/v1/pipelines/*`: administrators managing external Pipelines servers
through this server (list, upload, add, delete, valves). The servers' answers pass
through with their status; Open WebUI's `Pipeline not found` (404) stands for a server
that cannot be reached."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from compat_rest.common import BadBody, parse_body, read_json, rest_context
from compat_rest.openwebui.errors import error_response, render_domain_error
from compat_rest.streaming import dialect_endpoint
from compat_rest.uploads import BadUpload, BodyTooLarge, BodyTooSlow, read_upload
from resolvers.context import Context
from resolvers.errors import DomainError
from resolvers.permissions import require_admin
from resolvers.pipelines import servers

V1 = "/api/v1/pipelines"
UPLOAD_LIMIT = 10 * 1024 * 1024  # a pipeline is one Python module


def _render(error: DomainError) -> Response:
    if isinstance(error, servers.ServerAnswered):
        return error_response(error.status, error.detail)
    if error.reason == "not_python":
        return error_response(400, error.message)
    return render_domain_error(error)


endpoint = dialect_endpoint(_render, lambda error: error_response(422, error.errors))


def url_idx(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadBody([{"type": "int_parsing", "loc": ["query", "urlIdx"],
                        "msg": "Input should be a valid integer"}]) from None


class AddForm(BaseModel):
    url: str
    urlIdx: int  # noqa: N815 - Open WebUI's field name


class DeleteForm(BaseModel):
    id: str
    urlIdx: int  # noqa: N815


@endpoint()
async def list_servers(request: Request, ctx: Context) -> dict:
    found = await servers.list_servers(ctx)
    return {"data": [{"url": s.url, "idx": s.idx} for s in found]}


@endpoint()
async def list_pipelines(request: Request, ctx: Context) -> Any:
    return await servers.list_server_pipelines(ctx, url_idx(request.query_params.get("urlIdx")))


@endpoint()
async def add_pipeline(request: Request, ctx: Context) -> Any:
    form = await parse_body(request, AddForm)
    return await servers.add_server_pipeline(ctx, form.urlIdx, form.url)


@endpoint()
async def delete_pipeline(request: Request, ctx: Context) -> Any:
    form = await parse_body(request, DeleteForm)
    return await servers.delete_server_pipeline(ctx, form.urlIdx, form.id)


@endpoint()
async def get_valves(request: Request, ctx: Context) -> Any:
    return await servers.get_valves(ctx, url_idx(request.query_params.get("urlIdx")),
                                    request.path_params["pipeline_id"])


@endpoint()
async def get_valves_spec(request: Request, ctx: Context) -> Any:
    return await servers.get_valves(ctx, url_idx(request.query_params.get("urlIdx")),
                                    request.path_params["pipeline_id"], spec=True)


@endpoint()
async def update_valves(request: Request, ctx: Context) -> Any:
    valves = await read_json(request)
    if not isinstance(valves, dict):
        raise BadBody([{"type": "dict_type", "loc": ["body"],
                        "msg": "Input should be a valid dictionary"}])
    return await servers.update_valves(ctx, url_idx(request.query_params.get("urlIdx")),
                                       request.path_params["pipeline_id"], valves)


async def upload_pipeline(request: Request) -> Response:
    """Multipart `urlIdx` and `file` (a `.py` module), streamed past the request edge."""
    ctx = rest_context(request)
    try:
        async with ctx.unit_of_work():
            await require_admin(ctx)
        upload = await read_upload(request, file_limit=UPLOAD_LIMIT,
                                   idle_seconds=ctx.settings.body_read_timeout)
        try:
            content = await upload.file.read(UPLOAD_LIMIT + 1)
            index = url_idx(upload.fields.get("urlIdx"))
            async with ctx.unit_of_work():
                answer = await servers.upload_server_pipeline(
                    ctx, index, upload.file.filename or "", content)
        finally:
            await upload.close()
    except (BodyTooLarge, BodyTooSlow, BadUpload) as error:
        status = {BodyTooLarge: 413, BodyTooSlow: 408}.get(type(error), 400)
        return error_response(status, str(error) or "The upload was refused.")
    except BadBody as error:
        return error_response(422, error.errors)
    except DomainError as error:
        return _render(error)
    return JSONResponse(answer)


def routes() -> list[Route]:
    one = V1 + "/{pipeline_id}"
    return [
        Route(f"{V1}/list", list_servers, methods=["GET"]),
        Route(f"{V1}/", list_pipelines, methods=["GET"]),
        Route(V1, list_pipelines, methods=["GET"]),
        Route(f"{V1}/upload", upload_pipeline, methods=["POST"]),
        Route(f"{V1}/add", add_pipeline, methods=["POST"]),
        Route(f"{V1}/delete", delete_pipeline, methods=["DELETE"]),
        Route(f"{one}/valves", get_valves, methods=["GET"]),
        Route(f"{one}/valves/spec", get_valves_spec, methods=["GET"]),
        Route(f"{one}/valves/update", update_valves, methods=["POST"]),
    ]
