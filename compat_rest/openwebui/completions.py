"""Open WebUI's unified routes for API clients: `POST /api/chat/completions` and
`/api/embeddings` (and their `/api/v1` aliases), answering in OpenAI's format whichever
upstream serves the model. Errors before the answer starts are Open WebUI's
`{"detail": ...}`; a failure part-way through a stream is an OpenAI error event.

With a saved chat's `chat_id` the answer is written into that chat (its message `id`) by
a task that goes on if the client leaves. With `session_id` (Open WebUI's frontend) the
route answers at once with the task ids; without it (scripts, automations) it answers
when the answer is complete: `null` for a streamed request, as Open WebUI does, else the
whole `chat.completion`."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from compat_rest.common import BadBody
from compat_rest.openai import serializers
from compat_rest.openai.errors import frame
from compat_rest.openwebui.errors import NOT_FOUND, error_response, render_domain_error
from compat_rest.streaming import DisconnectWatch, StreamingAnswer, dialect_endpoint, relay_answer
from resolvers import completion_tasks, completions
from resolvers.chat_completions import start_bound, transcript_of
from resolvers.context import Context
from resolvers.relay import Relay

# Open WebUI answers an unknown or forbidden model on these routes with 400.
_OVERRIDES = {"model_not_found": 400, "model_access_denied": 400, "model_required": 400,
              "chat_not_found": (404, NOT_FOUND)}
UNSAVED_CHATS = ("local:", "temporary:")  # Open WebUI's prefixes for chats it does not keep

endpoint = dialect_endpoint(lambda error: render_domain_error(error, _OVERRIDES),
                            lambda error: error_response(422, error.errors))


async def _json_body(request: Request) -> dict:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except ValueError as error:
        raise BadBody([{"type": "json_invalid", "loc": ["body", 0],
                        "msg": f"JSON decode error: {error}", "input": {}}]) from None
    if not isinstance(body, dict):
        raise BadBody([{"type": "dict_type", "loc": ["body"],
                        "msg": "Input should be a valid dictionary"}])
    return body


@endpoint(unit_of_work=False)
async def chat_completions(request: Request, ctx: Context) -> Response:
    body = await _json_body(request)
    if body.get("chat_id") and not str(body["chat_id"]).startswith(UNSAVED_CHATS):
        return await _in_chat(request, ctx, body)
    async with ctx.unit_of_work():
        call = await completions.start_chat_completion(ctx, body, route=request.url.path)
    if isinstance(call, Relay):
        return await relay_answer(request, call, frame)
    watch = DisconnectWatch(request.receive, call.interrupt)
    try:
        await call.open()
        if body.get("stream") is not True:
            result = await call.drain()
    except BaseException:
        watch.stop()
        raise
    completion_id = f"chatcmpl-{uuid.uuid4()}"
    if body.get("stream") is not True:
        watch.stop()
        return JSONResponse(serializers.completion(call.model, completion_id, result))
    return StreamingAnswer(_events(call, completion_id), status=200,
                           media_type="text/event-stream", watch=watch, frame=frame)


async def _in_chat(request: Request, ctx: Context, body: dict) -> Response:
    async with ctx.unit_of_work(write=True):
        task = await start_bound(ctx, body, route=request.url.path)
    if body.get("session_id"):
        return JSONResponse({"status": True, "task_ids": [task.id], "chat_id": task.chat_id})
    transcript = transcript_of(ctx.services, task)
    if transcript is None:  # it could not start; its message says why
        return JSONResponse(None)
    await transcript.finished.wait()
    ended = completion_tasks.outcome(transcript)
    if isinstance(ended, completions.Failed):
        return render_domain_error(ended.error, _OVERRIDES)
    if body.get("stream") is True:
        return JSONResponse(None)
    return JSONResponse(serializers.completion(ended.model, f"chatcmpl-{uuid.uuid4()}",
                                               ended.result))


async def _events(call: completions.ChatStream, completion_id: str) -> AsyncIterator[bytes]:
    """OpenAI chunk events for the answer's pieces, then the end marker. A failure part-way
    propagates (as a DomainError) for StreamingAnswer to write as an error event."""
    writer = serializers.ChunkWriter(call.model, completion_id)
    async for piece in call.chunks():
        if (event := writer.chunk(piece)):
            yield event
    yield serializers.DONE


@endpoint(unit_of_work=False)
async def embeddings(request: Request, ctx: Context) -> Response:
    body = await _json_body(request)
    async with ctx.unit_of_work():
        call = await completions.start_embeddings(ctx, body, route=request.url.path)
    watch = DisconnectWatch(request.receive, call.relay.interrupt)
    try:
        await call.relay.open()
    finally:
        watch.stop()
    return JSONResponse(call.result())


def routes() -> list[Route]:
    return [Route(f"{prefix}/{path}", handler, methods=["POST"])
            for prefix in ("/api", "/api/v1")
            for path, handler in (("chat/completions", chat_completions),
                                  ("embeddings", embeddings))]
