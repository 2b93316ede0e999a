"""Open WebUI's `/api/v1/audio` routes and the documented short `/api/audio` ones: the
settings (administrators), the model and voice lists, speech and transcriptions.

Speech and transcriptions hold no transaction while the engine works: the caller is
checked in a short one, and nothing is written (the speech cache is a folder)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from compat_rest.common import BadBody, parse_body, read_json, rest_context
from compat_rest.openwebui import AUDIO as PREFIXES
from compat_rest.openwebui.errors import (
    ACCESS_PROHIBITED,
    endpoint,
    error_response,
    render_domain_error,
)
from compat_rest.uploads import BadUpload, BodyTooLarge, BodyTooSlow, read_upload
from resolvers import audio
from resolvers.context import Context
from resolvers.errors import DomainError

OVERRIDES = {"audio_not_allowed": (403, ACCESS_PROHIBITED)}


class ConfigForm(BaseModel):
    """Open WebUI's form: `tts` and `stt` objects of its field names; fields of engines
    Parley does not run (Azure, Deepgram, ...) are ignored."""

    model_config = ConfigDict(extra="ignore")
    tts: dict | None = None
    stt: dict | None = None


@endpoint()
async def get_config(request: Request, ctx: Context) -> dict:
    return await audio.get_audio_config(ctx)


@endpoint(write=True)
async def update_config(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ConfigForm)
    known = {section: {name: value for name, value in (fields or {}).items()
                       if (section, name) in audio.AUDIO_FIELDS}
             for section, fields in (("tts", form.tts), ("stt", form.stt))}
    return await audio.update_audio_config(ctx, known)


@endpoint(overrides=OVERRIDES)
async def list_models(request: Request, ctx: Context) -> dict:
    return {"models": await audio.list_models(ctx)}


@endpoint(overrides=OVERRIDES)
async def list_voices(request: Request, ctx: Context) -> dict:
    return {"voices": await audio.list_voices(ctx)}


async def _answered(work: Callable[[], Awaitable[Response]]) -> Response:
    try:
        return await work()
    except DomainError as error:
        return render_domain_error(error, OVERRIDES)


async def speech(request: Request) -> Response:
    """OpenAI's speech request as raw JSON; the audio back (from the cache when this
    request was spoken before)."""
    ctx = rest_context(request)

    async def work() -> Response:
        try:
            body = await read_json(request)
        except BadBody:
            body = None
        if not isinstance(body, dict):
            return error_response(400, "Invalid JSON payload")
        spoken = await audio.synthesize_speech(ctx, body)
        return FileResponse(spoken.path, media_type=spoken.media_type,
                            headers={"X-Content-Type-Options": "nosniff"})

    return await _answered(work)


async def transcriptions(request: Request) -> Response:
    """Multipart `file` and optional `language`: `{text, filename}` as Open WebUI answers.
    The caller and the engine are checked before the upload is read."""
    ctx = rest_context(request)
    settings = ctx.settings
    limit = min(audio.MAX_AUDIO_UPLOAD, settings.files.max_size if settings.files
                else audio.MAX_AUDIO_UPLOAD)

    async def work() -> Response:
        await audio.check_transcriber(ctx)
        try:
            upload = await read_upload(request, file_limit=limit,
                                       idle_seconds=settings.body_read_timeout)
        except BodyTooLarge:
            response = render_domain_error(audio.audio_too_large())
            response.headers["Connection"] = "close"
            return response
        except BodyTooSlow:
            return error_response(408, "The file did not arrive within "
                                       f"{settings.body_read_timeout:g} seconds.",
                                  {"Connection": "close"})
        except BadUpload as error:
            return error_response(400, str(error))
        try:
            name = upload.file.filename or "audio"
            transcript = await audio.transcribe_audio(
                ctx, audio.AudioUpload(name, upload.file.file, upload.file.content_type),
                language=(upload.fields.get("language") or "").strip() or None)
        finally:
            await upload.close()
        return JSONResponse({"text": transcript.text,
                             "filename": f"{uuid.uuid4()}.{transcript.extension}"})

    return await _answered(work)


def routes() -> list[Route]:
    found = []
    for prefix in PREFIXES:
        found += [Route(f"{prefix}/config", get_config, methods=["GET"]),
                  Route(f"{prefix}/config/update", update_config, methods=["POST"]),
                  Route(f"{prefix}/models", list_models, methods=["GET"]),
                  Route(f"{prefix}/voices", list_voices, methods=["GET"]),
                  Route(f"{prefix}/speech", speech, methods=["POST"]),
                  Route(f"{prefix}/transcriptions", transcriptions, methods=["POST"])]
    return found
