"""Open WebUI's `/api/v1/files` routes and the documented short `/api/files` routes.
A file someone may not see is answered 404 NOT_FOUND, as Open WebUI answers it."""

from __future__ import annotations

import fnmatch
import json

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from compat_rest.common import BadBody, page_number, parse_body, query_int, rest_context
from compat_rest.openwebui import FILES
from compat_rest.openwebui.errors import NOT_FOUND, endpoint, error_response, render_domain_error
from compat_rest.openwebui.file_serializers import disposition, file_model
from compat_rest.uploads import BadUpload, BodyTooLarge, BodyTooSlow, metadata_field, read_upload
from resolvers import files
from resolvers.context import Context
from resolvers.errors import DomainError

V1, SHORT = FILES
PAGE = 50
MISSING = {"file_not_found": (404, NOT_FOUND)}


class ContentForm(BaseModel):
    content: str


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = (request.query_params.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise BadBody([{"type": "bool_parsing", "loc": ["query", name], "input": raw,
                        "msg": "Input should be a valid boolean"}])
    return raw in ("true", "1", "yes", "on")


def too_large_response(limit: int) -> Response:
    return error_response(413, "Oops! The file you're trying to upload is too large. Please "
                               f"upload a file that is less than {limit // 1024**2}MB.",
                          {"Connection": "close"})


async def upload_file(request: Request) -> Response:
    """Checks the caller before reading the body, and holds no transaction while the
    file arrives; the processing (if asked) runs after the response, in the background."""
    ctx = rest_context(request)
    settings = ctx.settings
    limit = settings.files.max_size if settings.files else 0
    try:
        process = _flag(request, "process", True)
        async with ctx.unit_of_work():
            await files.check_uploader(ctx)
        upload = await read_upload(request, file_limit=limit,
                                   idle_seconds=settings.body_read_timeout)
        try:
            metadata = metadata_field(upload.fields.get("metadata"))
            async with ctx.unit_of_work(write=True):
                row = await files.upload_file(ctx, files.FileUpload(
                    name=upload.file.filename or "file", source=upload.file.file,
                    content_type=upload.file.content_type, metadata=metadata,
                    process=process))
        finally:
            await upload.close()
    except BodyTooLarge:
        return too_large_response(limit)
    except BodyTooSlow:
        return error_response(408, "The file did not arrive within "
                                   f"{settings.body_read_timeout:g} seconds.",
                              {"Connection": "close"})
    except BadUpload as error:
        return error_response(400, str(error))
    except BadBody as error:
        return error_response(422, error.errors)
    except DomainError as error:
        if error.reason == "file_too_large":
            return too_large_response(limit)
        if error.reason == "file_type":
            return error_response(400, f"[ERROR: {error.message}]")
        return render_domain_error(error)
    body = file_model(row)
    return JSONResponse({"status": True, **body} if process else body)


@endpoint()
async def list_files(request: Request, ctx: Context) -> dict:
    """`{items, total}`, 50 a `page` (the first by default), newest change first."""
    page = page_number(request, PAGE) or 1
    content = _flag(request, "content", True)
    found = await files.list_files(ctx, offset=(page - 1) * PAGE, limit=PAGE)
    return {"items": [file_model(row, content=content) for row in found.files],
            "total": found.total}


@endpoint(overrides=MISSING)
async def search_files(request: Request, ctx: Context) -> list:
    """`filename` is a glob (`*`, `?`), as in Open WebUI; no match is a 404."""
    pattern = request.query_params.get("filename") or "*"
    skip = query_int(request, "skip", low=0, default=0) or 0
    limit = query_int(request, "limit", low=1, high=1000, default=100) or 100
    content = _flag(request, "content", True)
    everything = await files.list_files(ctx)
    matched = [row for row in everything.files
               if fnmatch.fnmatch(row.filename.lower(), pattern.lower())][skip:skip + limit]
    if not matched:
        return error_response(404, "No files found matching the pattern.")
    return [file_model(row, content=content) for row in matched]


@endpoint(overrides=MISSING)
async def get_file(request: Request, ctx: Context) -> dict:
    return file_model(await files.get_file(ctx, request.path_params["file_id"]))


@endpoint(overrides=MISSING)
async def file_content(request: Request, ctx: Context) -> Response:
    """Inline for PDFs, no disposition for plain text, an attachment otherwise (or when
    `attachment=true`); with a file name in the path, always an attachment."""
    row, path = await files.file_blob(ctx, request.path_params["file_id"])
    content_type = (row.meta or {}).get("content_type") or "application/octet-stream"
    media = content_type.partition(";")[0].strip().lower()
    headers = {"X-Content-Type-Options": "nosniff"}
    if _flag(request, "attachment", False) or "file_name" in request.path_params:
        headers["Content-Disposition"] = disposition("attachment", row.filename)
    elif media == "application/pdf":
        headers["Content-Disposition"] = disposition("inline", row.filename)
    elif media != "text/plain":
        headers["Content-Disposition"] = disposition("attachment", row.filename)
    return FileResponse(path, media_type=content_type, headers=headers)


@endpoint(overrides=MISSING)
async def get_text(request: Request, ctx: Context) -> dict:
    return {"content": await files.get_file_text(ctx, request.path_params["file_id"])}


async def update_text(request: Request) -> Response:
    """As Open WebUI, the text's chunks and vectors are re-made before the answer (so no
    unit of work stays open while it waits); a failure is a 400 with the reason."""
    ctx = rest_context(request)
    try:
        form = await parse_body(request, ContentForm)
        outcome = await files.process_file_and_wait(ctx, request.path_params["file_id"],
                                                    content=form.content)
    except BadBody as error:
        return error_response(422, error.errors)
    except DomainError as error:
        return render_domain_error(error, MISSING)
    if outcome.data.get("status") == "failed":
        return error_response(400, outcome.data.get("error") or "Processing failed.")
    return JSONResponse({"content": outcome.data.get("content", "")})


def _status_body(data: dict) -> dict:
    status = {"status": data.get("status") or "pending"}
    if data.get("error"):
        status["error"] = data["error"]
    return status


@endpoint(overrides=MISSING)
async def process_status(request: Request, ctx: Context) -> dict | Response:
    """`{status[, error]}`; with `stream=true`, Server-Sent Events: the status now, then
    each change (Open WebUI polls every second; these follow the file's channel) until
    it is completed or failed."""
    row = await files.get_file(ctx, request.path_params["file_id"])
    if not _flag(request, "stream", False):
        return _status_body(row.data if isinstance(row.data, dict) else {})
    follower = rest_context(request)  # its own units of work, none held while waiting
    file_id = row.id

    async def events():
        async for event in files.follow_file_status(follower, file_id):
            yield f"data: {json.dumps(_status_body(event))}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@endpoint(write=True, overrides=MISSING)
async def delete_file(request: Request, ctx: Context) -> dict:
    await files.delete_file(ctx, request.path_params["file_id"])
    return {"message": "File deleted successfully"}


@endpoint(write=True)
async def delete_all(request: Request, ctx: Context) -> dict:
    await files.delete_all_files(ctx)
    return {"message": "All files deleted successfully"}


def routes() -> list[Route]:
    one = f"{V1}/{{file_id}}"
    return [
        Route(V1, upload_file, methods=["POST"]),
        Route(V1, list_files, methods=["GET"]),
        Route(f"{V1}/search", search_files, methods=["GET"]),
        Route(f"{V1}/all", delete_all, methods=["DELETE"]),
        Route(one, get_file, methods=["GET"]),
        Route(one, delete_file, methods=["DELETE"]),
        Route(f"{one}/content", file_content, methods=["GET"]),
        Route(f"{one}/content/{{file_name}}", file_content, methods=["GET"]),
        Route(f"{one}/data/content", get_text, methods=["GET"]),
        Route(f"{one}/data/content/update", update_text, methods=["POST"]),
        Route(f"{one}/process/status", process_status, methods=["GET"]),
        # The documented short routes.
        Route(SHORT, upload_file, methods=["POST"]),
        Route(SHORT, list_files, methods=["GET"]),
        Route(f"{SHORT}/{{file_id}}", get_file, methods=["GET"]),
        Route(f"{SHORT}/{{file_id}}", delete_file, methods=["DELETE"]),
        Route(f"{SHORT}/{{file_id}}/content", file_content, methods=["GET"]),
    ]
