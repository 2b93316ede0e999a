"""Functions at work on Open WebUI's routes: a pipe model answering
`/api/chat/completions` in OpenAI's format (streamed when asked, each chunk through the
filters' `stream`), filters' `outlet` on `POST /api/chat/completed`,
`POST /api/chat/actions/{action_id}`, and the documented
`POST /api/functions/{id}/execute`. A function that fails is a failing upstream: 502
before an answer starts, an OpenAI error event in the middle of a stream."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from compat_rest.common import BadBody, read_json
from compat_rest.openai.errors import frame
from compat_rest.openwebui.errors import NOT_FOUND, endpoint
from data.tables import FunctionRow
from resolvers.context import Context, Services
from resolvers.errors import DomainError
from resolvers.functions import runtime
from resolvers.functions.chain import FilterChain, filter_chain
from resolvers.pipelines import filters as pipeline_filters

DIALECT = {"function_not_found": (404, NOT_FOUND)}


async def _object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadBody([{"type": "dict_type", "loc": ["body"],
                        "msg": "Input should be a valid dictionary"}])
    return body


def _event(model: str, answer_id: str, delta: dict, finish: str | None = None) -> dict:
    return {"id": answer_id, "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                         "finish_reason": finish}]}


def _chunk(model: str, answer_id: str, delta: dict, finish: str | None = None) -> bytes:
    return b"data: " + json.dumps(_event(model, answer_id, delta, finish)).encode() + b"\n\n"


def _piece_event(model: str, answer_id: str, piece: Any) -> dict:
    if isinstance(piece, dict):  # the pipe speaks OpenAI's chunks itself
        return piece
    text = piece if isinstance(piece, str) else json.dumps(piece)
    return _event(model, answer_id, {"content": text})


async def pipe_answer(ctx: Context, row: FunctionRow, body: dict[str, Any]) -> Response:
    """Answer a completion with the pipe `row`. The caller has an open unit of work; the
    stream itself holds none."""
    model = str(body.get("model"))
    messages = await runtime.open_pipe(ctx, row, body)
    answer_id = f"chatcmpl-{uuid.uuid4()}"
    first = await anext(messages)  # a failure before the answer starts is a 502
    if body.get("stream") is True:
        # Open WebUI passes each streamed chunk through the filters' `stream`.
        shaped = Shaper(ctx.services, await filter_chain(ctx, model))
        return StreamingResponse(_stream(model, answer_id, first, messages, shaped),
                                 media_type="text/event-stream")
    pieces, result = [], None
    message: dict[str, Any] | None = first
    while message is not None:
        if "piece" in message:
            pieces.append(message["piece"])
        else:
            result = message.get("result")
        message = await anext(messages, None)
    if isinstance(result, dict):
        return JSONResponse(result)
    text = "".join(p if isinstance(p, str) else json.dumps(p) for p in pieces) \
        if result is None else (result if isinstance(result, str) else json.dumps(result))
    return JSONResponse({"id": answer_id, "object": "chat.completion",
                         "created": int(time.time()), "model": model,
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": text}}]})


class Shaper:
    """A streamed chunk through the filters' `stream` hook: its bytes, or none."""

    def __init__(self, services: Services, chain: FilterChain):
        self.services, self.chain = services, chain

    async def bytes(self, event: dict) -> bytes:
        if self.chain.hooks("stream"):
            event = await self.chain.run(self.services, "stream", event)
        return b"data: " + json.dumps(event).encode() + b"\n\n" if event else b""


async def _stream(model: str, answer_id: str, first: dict[str, Any],
                  messages: AsyncIterator[dict[str, Any]], shaped: Shaper
                  ) -> AsyncIterator[bytes]:
    message: dict[str, Any] | None = first
    try:
        while message is not None:
            piece = message["piece"] if "piece" in message else message.get("result")
            if piece is not None and (out := await shaped.bytes(
                    _piece_event(model, answer_id, piece))):
                yield out
            message = await anext(messages, None)
    except DomainError as error:
        yield frame(error)
        return
    finally:
        await messages.aclose()  # type: ignore[attr-defined]
    yield _chunk(model, answer_id, {}, "stop")
    yield b"data: [DONE]\n\n"


@endpoint(overrides=DIALECT)
async def chat_completed(request: Request, ctx: Context) -> dict:
    # Pipelines servers' filters first, then filter functions, as Open WebUI orders them.
    body = await pipeline_filters.apply_pipeline_filters(ctx, await _object(request),
                                                         "outlet")
    return await runtime.apply_filters(ctx, body, "outlet")


@endpoint(overrides=DIALECT)
async def chat_action(request: Request, ctx: Context) -> Any:
    return await runtime.run_action(ctx, request.path_params["action_id"],
                                    await _object(request))


@endpoint(overrides=DIALECT)
async def execute_function(request: Request, ctx: Context) -> dict:
    result = await runtime.execute_function(ctx, request.path_params["function_id"],
                                            await _object(request))
    return {"result": result}


def routes() -> list[Route]:
    return [
        Route("/api/chat/completed", chat_completed, methods=["POST"]),
        Route("/api/v1/chat/completed", chat_completed, methods=["POST"]),
        Route("/api/chat/actions/{action_id}", chat_action, methods=["POST"]),
        Route("/api/v1/chat/actions/{action_id}", chat_action, methods=["POST"]),
        Route("/api/functions/{function_id}/execute", execute_function, methods=["POST"]),
    ]
