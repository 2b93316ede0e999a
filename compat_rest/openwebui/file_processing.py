"""Open WebUI's `POST /api/v1/retrieval/process/file` (rest-ai.md §8.1), in its three
modes: neither `content` nor `collection_name` (extract and index `file-<id>` again,
e.g. a file that failed), `content` (that text replaces the file's and is indexed), and
`collection_name` (the file's chunks copied into that collection). The work runs in the
background, as every file's does; this route waits for it and answers with the result."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from compat_rest.common import BadBody, parse_body, rest_context
from compat_rest.openwebui.errors import (
    ACCESS_PROHIBITED,
    NOT_FOUND,
    error_response,
    render_domain_error,
)
from resolvers import files
from resolvers.errors import DomainError

PATH = "/api/v1/retrieval/process/file"


class ProcessFileForm(BaseModel):
    file_id: str
    content: str | None = None
    collection_name: str | None = None


async def process_file(request: Request) -> Response:
    """Owner, admins, write grants on the file (and write access to a named collection:
    403 otherwise). A failure is a 400 with the reason, the file marked failed (as in
    Open WebUI)."""
    ctx = rest_context(request)
    try:
        form = await parse_body(request, ProcessFileForm)
        if form.collection_name is None:
            outcome = await files.process_file_and_wait(ctx, form.file_id,
                                                        content=form.content)
        else:
            outcome = await files.add_file_to_collection(ctx, form.file_id,
                                                         form.collection_name,
                                                         content=form.content)
    except BadBody as error:
        return error_response(422, error.errors)
    except DomainError as error:
        return render_domain_error(error, {"file_not_found": (404, NOT_FOUND),
                                           "collection_forbidden": (403, ACCESS_PROHIBITED)})
    if outcome.data.get("status") == "failed":
        return error_response(400, outcome.data.get("error") or "Processing failed.")
    return JSONResponse({"status": True, "collection_name": outcome.collection,
                         "filename": outcome.filename,
                         "content": outcome.data.get("content", "")})


def routes() -> list[Route]:
    return [Route(PATH, process_file, methods=["POST"])]
