"""Open WebUI's unified routes for API clients: `POST /api/chat/completions` and
`/api/embeddings` (and their `/api/v1` aliases), answering in OpenAI's format whichever
upstream serves the model. Errors before the answer starts are Open WebUI's
`{"detail": ...}`; a failure part-way through a stream is an OpenAI error event.

With a saved chat's `chat_id` the answer is written into that chat (its message `id`) by
a task that goes on if the client leaves. With `session_id` (Open WebUI's frontend) the
route answers at once with the task ids; without it (scripts, automations) it answers
when the answer is complete: `null` for a streamed request, as Open WebUI does, else the
whole `chat.completion`.

`"parent_id": null` without a `chat_id` opens a new chat with the request's message
(see _new_chat)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from compat_rest.common import BadBody, read_json
from compat_rest.openai import serializers
from compat_rest.openai.errors import frame
from compat_rest.openwebui.errors import NOT_FOUND, error_response, render_domain_error
from compat_rest.openwebui.function_calls import pipe_answer
from compat_rest.streaming import DisconnectWatch, StreamingAnswer, dialect_endpoint, relay_answer
from resolvers.completions import completions
from resolvers.completions import tasks as completion_tasks
from resolvers.completions.chat_completions import (
    ChatOpening,
    start_bound,
    start_chat,
    transcript_of,
)
from resolvers.completions.relay import Relay
from resolvers.completions.tasks import follow_completion
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.functions import runtime as function_runtime
from resolvers.pipelines import filters as pipeline_filters
from resolvers.tasks.registry import TaskInfo

# Open WebUI answers an unknown or forbidden model on these routes alike: 400, "Model not
# found" (so a caller cannot tell a private model from a missing one).
_OVERRIDES = {"model_not_found": (400, "Model not found"),
              "model_access_denied": (400, "Model not found"), "model_required": 400,
              "chat_not_found": (404, NOT_FOUND)}
UNSAVED_CHATS = ("local:", "temporary:")  # Open WebUI's prefixes for chats it does not keep
Followed = completions.Delta | completions.Done | completions.Failed

endpoint = dialect_endpoint(lambda error: render_domain_error(error, _OVERRIDES),
                            lambda error: error_response(422, error.errors))


async def _json_body(request: Request) -> dict:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadBody([{"type": "dict_type", "loc": ["body"],
                        "msg": "Input should be a valid dictionary"}])
    return body


@endpoint(unit_of_work=False)
async def chat_completions(request: Request, ctx: Context) -> Response:
    body = await _json_body(request)
    if ctx.settings.functions.enabled:  # filters' inlet, then a pipe model answers itself
        async with ctx.unit_of_work():
            body = await function_runtime.apply_filters(ctx, body, "inlet")
            pipe = await function_runtime.find_pipe(ctx, body.get("model"))
            if pipe is not None and not _kept_in_chat(body):  # else answered as any model
                return await pipe_answer(ctx, pipe, body)
    async with ctx.unit_of_work():  # then Pipelines servers' filters, as Open WebUI
        body = await pipeline_filters.apply_pipeline_filters(ctx, body, "inlet")
    if _kept_in_chat(body) and not body.get("chat_id"):
        return await _new_chat(request, ctx, body)
    if _kept_in_chat(body):
        return await _in_chat(request, ctx, body)
    async with ctx.unit_of_work():
        call = await completions.start_chat_completion(ctx, body, route=request.url.path)
    if isinstance(call, Relay):
        if call.sources:
            return await _grounded_relay(request, call)
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
        return JSONResponse(_with_sources(
            serializers.completion(call.model, completion_id, result), call.sources))
    return StreamingAnswer(_events(call, completion_id), status=200,
                           media_type="text/event-stream", watch=watch, frame=frame)


def _kept_in_chat(body: dict) -> bool:
    """Whether the answer goes into a chat (a saved one, or a new one)."""
    if "parent_id" in body and body["parent_id"] is None and not body.get("chat_id"):
        return True
    return bool(body.get("chat_id")) and not str(body["chat_id"]).startswith(UNSAVED_CHATS)


async def _in_chat(request: Request, ctx: Context, body: dict) -> Response:
    async with ctx.unit_of_work(write=True):
        started = await start_bound(ctx, body, route=request.url.path)
    task = started.task
    if body.get("session_id"):
        return _started(task)
    if body.get("stream") is True:
        return await _whole_answer(ctx, task, lambda done: None)
    return await _whole_answer(ctx, task, lambda done: _with_sources(serializers.completion(
        done.model, f"chatcmpl-{uuid.uuid4()}", done.result), started.sources))


async def _new_chat(request: Request, ctx: Context, body: dict) -> Response:
    """Open WebUI opens a new chat for `"parent_id": null` without a chat: the request's
    message and the answer are kept in it, as in the chat-bound mode. The caller learns
    the chat's id from every answer: with `session_id` the usual `{"status", "task_ids",
    "chat_id"}`; otherwise the OpenAI answer (a `chat.completion`, or the answer streamed
    live as it is written: there is no chat to follow it in yet) with a `chat_id` field
    added, since Open WebUI's `null` would leave the caller nothing to find the chat by."""
    async with ctx.unit_of_work(write=True):
        started = await start_chat(ctx, _opening(body), route=request.url.path)
    task, chat_id = started.task, started.chat.id
    sources = started.answer.sources or []
    if body.get("session_id"):
        return _started(task)
    if body.get("stream") is True:
        return await _live_answer(request, ctx, task, chat_id, sources)
    return await _whole_answer(ctx, task, lambda done: _with_sources({**serializers.completion(
        done.model, f"chatcmpl-{uuid.uuid4()}", done.result), "chat_id": chat_id}, sources))


def _opening(body: dict) -> ChatOpening:
    """The new chat's message: Open WebUI's `user_message` (alias `parent_message`), else
    the last user message the model is sent."""
    given = body.get("user_message") or body.get("parent_message")
    if isinstance(given, dict):
        message, question_id = given, given.get("id")
    else:
        sent = body.get("messages")
        users = [m for m in sent if isinstance(m, dict) and m.get("role") == "user"
                 ] if isinstance(sent, list) else []
        message, question_id = (users[-1] if users else {}), None
    answer_id = body.get("id")
    for value, name in ((question_id, "user_message.id"), (answer_id, "id")):
        if value is not None and not isinstance(value, str):
            raise Invalid(f"{name} must be a string: a message id.", reason="invalid_body",
                          field=name)
    files = message.get("files")
    return ChatOpening(model=str(body.get("model")), content=_text(message.get("content")),
                       question_id=question_id, answer_id=answer_id,
                       fields={"files": files} if isinstance(files, list) else {},
                       prompt=body)


def _text(content: object) -> object:
    """Open WebUI keeps a user message's text as a string (its images are `files`)."""
    if not isinstance(content, list):
        return content
    return "\n".join(part["text"] for part in content if isinstance(part, dict)
                     and part.get("type") == "text" and isinstance(part.get("text"), str))


def _started(task: TaskInfo) -> Response:
    return JSONResponse({"status": True, "task_ids": [task.id], "chat_id": task.chat_id})


async def _whole_answer(ctx: Context, task: TaskInfo,
                        render: Callable[[completions.Done], Any]) -> Response:
    """Wait for the chat-bound answer to end; a failure has its status, as in sync mode."""
    transcript = transcript_of(ctx.services, task)
    if transcript is None:  # it could not start; its message says why
        return JSONResponse(None)
    await transcript.finished.wait()
    ended = completion_tasks.outcome(transcript)
    if isinstance(ended, completions.Failed):
        return render_domain_error(ended.error, _OVERRIDES)
    return JSONResponse(render(ended))


async def _live_answer(request: Request, ctx: Context, task: TaskInfo, chat_id: str,
                       sources: list) -> Response:
    if transcript_of(ctx.services, task) is None:  # it could not start
        return JSONResponse(None)
    events = follow_completion(ctx, task.id)
    first = await anext(events)
    if isinstance(first, completions.Failed):  # before any text: its status, as in sync mode
        await events.aclose()
        return render_domain_error(first.error, _OVERRIDES)
    writer = serializers.ChunkWriter(task.model, f"chatcmpl-{uuid.uuid4()}",
                                     {"chat_id": chat_id})
    # Leaving stops following, never the answer: it is kept in the chat either way.
    watch = DisconnectWatch(request.receive, lambda why: None)
    return StreamingAnswer(_followed(writer, first, events, sources), status=200,
                           media_type="text/event-stream", watch=watch, frame=frame)


async def _followed(writer: serializers.ChunkWriter, first: Followed,
                    events: AsyncGenerator[Followed, None], sources: list
                    ) -> AsyncIterator[bytes]:
    """The followed answer as OpenAI chunks (after the sources of a grounded answer); a
    failure part-way propagates (a DomainError) for StreamingAnswer to write as an error
    event."""
    event = first
    if sources:
        yield sources_frame(sources)
    try:
        while not isinstance(event, completions.Done):
            if isinstance(event, completions.Failed):
                raise event.error
            delta = {k: v for k, v in (("content", event.content),
                                       ("reasoning_content", event.reasoning)) if v}
            if delta:
                yield writer.event(delta)
            event = await anext(events)
    finally:
        await events.aclose()
    usage = event.result.usage
    yield writer.event({}, event.result.finish_reason or "stop",
                       serializers.usage_of(usage) if usage else None)
    yield serializers.DONE


async def _events(call: completions.ChatStream, completion_id: str) -> AsyncIterator[bytes]:
    """OpenAI chunk events for the answer's pieces, then the end marker. A failure part-way
    propagates (as a DomainError) for StreamingAnswer to write as an error event."""
    writer = serializers.ChunkWriter(call.model, completion_id)
    if call.sources:
        yield sources_frame(call.sources)
    async for piece in call.chunks():
        if (event := writer.chunk(piece)):
            yield event
    yield serializers.DONE


def sources_frame(sources: list) -> bytes:
    """Open WebUI's first frame of a grounded answer's stream, before any chunk."""
    return b"data: " + json.dumps({"sources": sources}, separators=(",", ":")).encode() \
        + b"\n\n"


def _with_sources(answer: dict, sources: list) -> dict:
    """A whole answer with Open WebUI's `sources` beside OpenAI's keys."""
    return {"sources": sources, **answer} if sources else answer


async def _grounded_relay(request: Request, relay: Relay) -> Response:
    """A relayed answer with the sources added: into the JSON of a whole answer, or as
    the stream's first frame."""
    watch = DisconnectWatch(request.receive, relay.interrupt)
    try:
        await relay.open()
    except BaseException:
        watch.stop()
        raise
    if relay.buffered is not None:
        watch.stop()
        answer = json.loads(relay.buffered)
        if isinstance(answer, dict) and relay.status < 400:
            answer = _with_sources(answer, relay.sources)
        return JSONResponse(answer, status_code=relay.status)

    async def chunks() -> AsyncIterator[bytes]:
        answer = relay.chunks()
        try:
            yield sources_frame(relay.sources)
            async for chunk in answer:
                yield chunk
        finally:
            await answer.aclose()  # type: ignore[attr-defined]

    return StreamingAnswer(chunks(), status=relay.status, media_type=relay.media_type,
                           watch=watch, frame=frame)


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
