"""Completions Parley reads itself (rather than relaying bytes): an answer from any
upstream, read as ChatChunks, for Open WebUI's unified route with Ollama models, for
GraphQL subscriptions and for answers written into chats
(resolvers/completions/chat_completions.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from data.llm import ollama
from data.llm.base import OLLAMA, ChatChunk, Interrupted, UpstreamError, Usage
from data.llm.chat import read_chat
from resolvers.completions.grounding import ground
from resolvers.completions.relay import (
    Relay,
    RelaySpec,
    UpstreamCall,
    request_body,
    stopped,
    upstream_failed,
)
from resolvers.context import Context, Services
from resolvers.errors import DomainError, Forbidden, Invalid, Unauthenticated
from resolvers.models.models import Route, connections, route_model
from resolvers.models.presets import apply_preset
from resolvers.permissions import require_verified
from resolvers.tasks.registry import COMPLETION, PROXY, TaskInfo, prepare


@dataclass
class CompletionResult:
    """The answer so far: everything streamed, and how it ended."""

    content: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None

    def add(self, chunk: ChatChunk) -> None:
        self.content += chunk.content
        self.reasoning += chunk.reasoning
        self.tool_calls.extend(dict(c) for c in chunk.tool_calls)
        self.finish_reason = chunk.finish_reason or self.finish_reason
        self.usage = chunk.usage or self.usage


class ChatStream(UpstreamCall):
    """A chat answer read as ChatChunks; `result` holds what arrived so far."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result = CompletionResult()
        self._chunks: AsyncIterator[ChatChunk] | None = None
        self._first: ChatChunk | None = None

    @property
    def model(self) -> str:
        return self.route.model_id

    async def open(self) -> ChatStream:
        """Send the request and wait for the first piece of the answer, so that an
        upstream that fails at once is a plain error (raised as a DomainError)."""
        try:
            answer = await self._send()
            self._chunks = read_chat(answer, self.secrets)
            self._first = await anext(self._chunks, None)
            return self
        except UpstreamError as error:
            await self.aclose()
            raise upstream_failed(error) from None
        except Interrupted as interrupted:
            await self.aclose()
            raise stopped(interrupted.why) from None

    async def chunks(self) -> AsyncIterator[ChatChunk]:
        """Every piece as it arrives. Raises a DomainError when the upstream fails
        part-way or the task is stopped (`result` keeps the partial answer); ends quietly
        when the client went away."""
        assert self._chunks is not None
        try:
            if self._first is not None:
                self.result.add(self._first)
                yield self._first
            async for chunk in self._chunks:
                self.result.add(chunk)
                yield chunk
        except UpstreamError as error:
            raise upstream_failed(error) from None
        except Interrupted as interrupted:
            if interrupted.why != "disconnect":
                raise stopped(interrupted.why) from None
        finally:
            await self.aclose()

    async def drain(self) -> CompletionResult:
        async for _ in self.chunks():
            pass
        return self.result


# Documents named for grounding are in the prompt by now; no upstream takes them.
_OPEN_WEBUI_KEYS = ("files",)


def _upstream_body(route: Route, body: Mapping[str, Any], *, stream: bool) -> tuple[str, bytes]:
    body = apply_preset(body, route.preset)
    if route.connection.kind == OLLAMA:
        payload = ollama.chat_body(body, route.upstream_model, stream=stream)
        return "/api/chat", json.dumps(payload, separators=(",", ":")).encode()
    payload = {k: v for k, v in body.items()
               if k not in ("metadata", "stream_options", *_OPEN_WEBUI_KEYS)}
    payload.update(model=route.upstream_model, stream=stream)
    if stream:
        payload["stream_options"] = {"include_usage": True}
    return "/chat/completions", json.dumps(payload, separators=(",", ":")).encode()


def _check_chat_body(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Invalid("A model is required.", reason="model_required", field="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, Mapping) for m in messages):
        raise Invalid("messages must be a list of message objects.", reason="invalid_body",
                      field="messages")
    return model


@dataclass(frozen=True)
class StreamPlan:
    """A checked chat request, ready to send: who asks, which upstream answers, and the
    body in that upstream's format. Starting it registers the task."""

    user_id: str
    model: str
    target: Route
    path: str
    payload: bytes
    secrets: tuple[str, ...]
    sources: list[dict[str, Any]] = field(default_factory=list)  # of a grounded answer
    filters: Any = None  # resolvers.functions.chain.FilterChain around the answer

    def start(self, services: Services, *, route: str, task: TaskInfo | None = None,
              chat_id: str | None = None) -> ChatStream:
        task = task or prepare(kind=COMPLETION, user_id=self.user_id, model=self.model,
                               route=route, chat_id=chat_id)
        services.tasks.register(task)
        stream = ChatStream(services, self.target, self.path, self.payload, task,
                            self.secrets)
        stream.sources = self.sources
        return stream


async def plan_chat_stream(ctx: Context, body: Mapping[str, Any], *, inlet: bool = False
                           ) -> StreamPlan:
    """Verified users, for models they may use: an OpenAI-shaped chat body, checked and
    put in the format of the model's upstream (or of the pipe function serving the model:
    a PipePlan, started the same way); nothing is sent yet. With `inlet` the filters'
    inlet edits the body first (a failing one refuses the request, nothing sent)."""
    # Imported here: resolvers.completions.pipes builds on this module.
    from resolvers.completions.pipes import PipePlan
    from resolvers.functions import runtime as functions
    from resolvers.functions.chain import filter_chain

    viewer = await require_verified(ctx)
    if inlet:
        # A malformed body is refused as usual before any filter sees it; the model is
        # read after the inlet, which may name another one (as on REST).
        _check_chat_body(body)
        body = await functions.apply_filters(ctx, dict(body), "inlet")
    model = _check_chat_body(body)
    pipe = await functions.find_pipe(ctx, model)
    if pipe is not None:
        request = await functions.pipe_request(ctx, pipe, body)
        return PipePlan(viewer.id, model, request,  # type: ignore[return-value]
                        filters=await filter_chain(ctx, model))
    conns = await connections(ctx)
    target = await route_model(ctx, viewer, model, kind=None, conns=conns)
    grounded = await ground(ctx, viewer, body, target.preset)
    path, payload = _upstream_body(target, grounded.body, stream=True)
    return StreamPlan(viewer.id, model, target, path, payload, conns.secrets(),
                      grounded.sources, await filter_chain(ctx, model))


async def start_chat_stream(ctx: Context, body: Mapping[str, Any], *, route: str,
                            inlet: bool = False) -> ChatStream:
    """Verified users, for models they may use. An OpenAI-shaped chat body (through the
    filters' inlet first, with `inlet`), sent to the model's upstream in its own format;
    the answer comes back as ChatChunks."""
    from resolvers.completions.filtered import filtered  # it builds on this module

    plan = await plan_chat_stream(ctx, body, inlet=inlet)
    return filtered(plan, plan.start(ctx.services, route=route), ctx.services)


async def start_chat_completion(ctx: Context, body: Mapping[str, Any], *, route: str
                                ) -> Relay | ChatStream:
    """Open WebUI's `/api/chat/completions` for API clients (no chat): a model served by
    an OpenAI-compatible upstream is relayed byte for byte; an Ollama model's answer is
    read as ChatChunks, for the surface to write in OpenAI's format."""
    viewer = await require_verified(ctx)
    model = _check_chat_body(body)
    conns = await connections(ctx)
    target = await route_model(ctx, viewer, model, kind=None, conns=conns)
    stream = body.get("stream") is True
    grounded = await ground(ctx, viewer, body, target.preset)
    body = grounded.body
    call: Relay | ChatStream
    if target.connection.kind == OLLAMA:
        path, payload = _upstream_body(target, body, stream=stream)
        task = ctx.services.tasks.add(kind=COMPLETION, user_id=viewer.id, model=model,
                                      route=route, interrupt=lambda why: None)
        call = ChatStream(ctx.services, target, path, payload, task, conns.secrets())
    else:
        drop = ("metadata", *_OPEN_WEBUI_KEYS) + (() if stream else ("stream_options",))
        spec = RelaySpec(kind=target.connection.kind, path="/chat/completions", body=body,
                         route=route, drop=drop)
        task = ctx.services.tasks.add(kind=PROXY, user_id=viewer.id, model=model,
                                      route=route, interrupt=lambda why: None)
        call = Relay(ctx.services, target, spec, request_body(target, spec), task,
                     conns.secrets())
    call.sources = grounded.sources
    return call


@dataclass
class EmbeddingsCall:
    """Embeddings from either kind of upstream; Ollama's answer is given in OpenAI's
    shape (`openai_shape`) by the surface."""

    relay: Relay
    model: str
    from_ollama: bool

    def result(self) -> Any:
        assert self.relay.buffered is not None
        answer = json.loads(self.relay.buffered)
        if not self.from_ollama:
            return answer
        if not isinstance(answer, dict):
            raise DomainError("The upstream answered in an unknown shape.",
                              reason="upstream_broken")
        return ollama.embeddings_as_openai(answer, self.model)


async def start_embeddings(ctx: Context, body: Mapping[str, Any], *, route: str
                           ) -> EmbeddingsCall:
    """Verified users, for models they may use: OpenAI's embeddings body, answered in
    OpenAI's shape whichever upstream serves the model."""
    viewer = await require_verified(ctx)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Invalid("A model is required.", reason="model_required", field="model")
    if "input" not in body:
        raise Invalid("input is required.", reason="invalid_body", field="input")
    conns = await connections(ctx)
    target = await route_model(ctx, viewer, model, kind=None, conns=conns)
    from_ollama = target.connection.kind == OLLAMA
    if from_ollama:
        spec = RelaySpec(kind=OLLAMA, path="/api/embed",
                         body=ollama.embed_body(body, target.upstream_model), route=route)
    else:
        spec = RelaySpec(kind=target.connection.kind, path="/embeddings", body=body,
                         route=route)
    task = ctx.services.tasks.add(kind=PROXY, user_id=viewer.id, model=model, route=route,
                                  interrupt=lambda why: None)
    relay = Relay(ctx.services, target, spec, request_body(target, spec), task,
                  conns.secrets())
    return EmbeddingsCall(relay, model, from_ollama)


# ---- a one-off answer to a prompt (GraphQL's promptCompletion) -------------------------

MAX_PROMPT = 1_000_000


@dataclass(frozen=True)
class PromptRequest:
    model: str
    prompt: str
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class Started:
    task_id: str
    model: str


@dataclass(frozen=True)
class Delta:
    task_id: str
    content: str
    reasoning: str


@dataclass(frozen=True)
class Done:
    task_id: str
    model: str
    result: CompletionResult
    chat_id: str | None = None  # where the answer is kept, for a completion in a chat
    message_id: str | None = None


@dataclass(frozen=True)
class Failed:
    """How it ended early: `error.reason` says why (e.g. `stopped`, `upstream_timeout`,
    `model_not_found`); `partial` is what had arrived."""

    task_id: str | None
    error: DomainError
    partial: CompletionResult
    chat_id: str | None = None
    message_id: str | None = None


def prompt_body(request: PromptRequest) -> dict[str, Any]:
    if not request.prompt.strip():
        raise Invalid("The prompt is empty.", reason="invalid_prompt", field="prompt")
    if len(request.prompt) > MAX_PROMPT:
        raise Invalid(f"The prompt is longer than {MAX_PROMPT} characters.",
                      reason="invalid_prompt", field="prompt")
    messages = [{"role": "system", "content": request.system}] if request.system else []
    body: dict[str, Any] = {"model": request.model,
                            "messages": [*messages, {"role": "user", "content": request.prompt}]}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    return body


async def stream_prompt_completion(ctx: Context, request: PromptRequest
                                   ) -> AsyncIterator[Started | Delta | Done | Failed]:
    """Verified users, for models they may use: a one-off answer to a prompt, belonging
    to no chat. Yields Started (with the task id, to stop it), Deltas as the answer
    arrives, then Done; or Failed, with the partial answer. Holds no database session
    while streaming; leaving the iteration closes the upstream request."""
    try:
        async with ctx.unit_of_work():
            await require_verified(ctx)
            body = prompt_body(request)
            stream = await start_chat_stream(ctx, body, route="graphql", inlet=True)
    except (Unauthenticated, Forbidden) as error:
        if error.reason != "model_access_denied":
            raise
        yield Failed(None, error, CompletionResult())
        return
    except DomainError as error:
        yield Failed(None, error, CompletionResult())
        return
    try:
        yield Started(stream.task_id, request.model)
        await stream.open()
        async for chunk in stream.chunks():
            if chunk.content or chunk.reasoning:
                yield Delta(stream.task_id, chunk.content, chunk.reasoning)
        yield Done(stream.task_id, request.model, stream.result)
    except DomainError as error:
        yield Failed(stream.task_id, error, stream.result)
    finally:
        await stream.aclose()
