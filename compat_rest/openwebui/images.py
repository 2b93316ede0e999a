"""Open WebUI's image routes under `/api/v1/images` (settings, models, generations) and
the documented `POST /api/images/generate`.

Open WebUI's quirk kept on its own route: a generation that fails in the engine is a
400 `{"detail": "[ERROR: ...]"}`. The documented route answers with the failure's own
status (504 for a slow engine, 502 for a broken one, 400 for a refused prompt).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_rest.common import BadBody, parse_body, read_json
from compat_rest.openwebui.errors import endpoint, error_response
from data.tables import FileRow
from resolvers import images
from resolvers.context import Context
from resolvers.errors import DomainError


class GenerateForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    prompt: str
    model: str | None = None
    size: str | None = None
    n: int = 1
    steps: int | None = None
    negative_prompt: str | None = None
    chat_id: str | None = None
    message_id: str | None = None


def image_json(row: FileRow) -> dict[str, Any]:
    meta = row.meta if isinstance(row.meta, dict) else {}
    return {"id": row.id, "url": f"/api/v1/files/{row.id}/content",
            "name": meta.get("name", row.filename), "content_type": meta.get("content_type")}


async def _generate(request: Request, ctx: Context) -> list[dict[str, Any]]:
    form = await parse_body(request, GenerateForm)
    rows = await images.generate_images(ctx, images.ImageRequest(**form.model_dump()))
    return [image_json(row) for row in rows]


@endpoint()
async def generations(request: Request, ctx: Context) -> list[dict[str, Any]] | Response:
    try:
        return await _generate(request, ctx)
    except DomainError as error:
        if error.reason.startswith(("image_engine", "image_refused", "image_config",
                                    "engine_url")):
            return error_response(400, f"[ERROR: {error.message}]")
        raise


@endpoint()
async def documented_generate(request: Request, ctx: Context) -> list[dict[str, Any]]:
    return await _generate(request, ctx)


@endpoint()
async def list_models(request: Request, ctx: Context) -> list[dict[str, str]] | Response:
    try:
        return await images.list_image_models(ctx)
    except DomainError as error:
        if error.reason.startswith(("image_engine", "engine_url")):
            return error_response(400, error.message)  # Open WebUI: any failure is a 400
        raise


@endpoint()
async def get_config(request: Request, ctx: Context) -> dict[str, Any]:
    return await images.get_image_config(ctx)


@endpoint(write=True)
async def update_config(request: Request, ctx: Context) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadBody([{"type": "dict_type", "loc": ["body"],
                        "msg": "Input should be a valid dictionary"}])
    # As Open WebUI's form: names it does not know are ignored.
    known = {name: value for name, value in body.items() if name in images.SETTING_NAMES}
    return await images.update_image_config(ctx, known)


class EditForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    image: str | list[str]
    prompt: str
    model: str | None = None
    size: str | None = None
    n: int = 1
    negative_prompt: str | None = None
    chat_id: str | None = None
    message_id: str | None = None


@endpoint()
async def edit(request: Request, ctx: Context) -> list[dict[str, Any]] | Response:
    form = await parse_body(request, EditForm)
    try:
        rows = await images.edit_images(ctx, images.EditRequest(**form.model_dump()))
    except DomainError as error:
        if error.reason.startswith(("image_engine", "image_refused", "engine_url")):
            return error_response(400, f"[ERROR: {error.message}]")
        raise
    return [image_json(row) for row in rows]


class VerifyForm(BaseModel):
    engine: str
    url: str
    key: str | None = None


@endpoint()
async def verify(request: Request, ctx: Context) -> bool:
    form = await parse_body(request, VerifyForm)
    return await images.verify_image_engine(ctx, form.engine, form.url, form.key)


def routes() -> list[Route]:
    return [Route("/api/v1/images/generations", generations, methods=["POST"]),
            Route("/api/images/generate", documented_generate, methods=["POST"]),
            Route("/api/v1/images/models", list_models, methods=["GET"]),
            Route("/api/v1/images/config", get_config, methods=["GET"]),
            Route("/api/v1/images/config/update", update_config, methods=["POST"]),
            Route("/api/v1/images/verify", verify, methods=["POST"]),
            Route("/api/v1/images/edit", edit, methods=["POST"])]
