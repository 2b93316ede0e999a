"""Completions that run on their own, as tasks: one producer reads the upstream once and
publishes the answer as small events on `completion:<task_id>`; any number of followers
(GraphQL subscriptions, a second tab, another instance) read that one stream. A follower
that joins late first gets everything generated so far, then the rest.

Events are small JSON objects with a sequence number: `delta` (text `c`, reasoning `r`),
then one terminal event, `done` or `failed`. Text is cut into pieces that fit
PostgreSQL's NOTIFY limit, so every pub/sub backend carries them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from data.llm.base import Usage
from data.pubsub import completion_channel
from resolvers.completions.completions import (
    ChatStream,
    CompletionResult,
    Delta,
    Done,
    Failed,
    PromptRequest,
    prompt_body,
    start_chat_stream,
)
from resolvers.context import Context, Services
from resolvers.errors import DomainError, NotFound
from resolvers.permissions import require_verified
from resolvers.tasks import control as task_control
from resolvers.tasks.control import piece_size, pieces
from resolvers.tasks.registry import TaskInfo

log = logging.getLogger("parley.completions")

RETAIN_SECONDS = 300.0  # a finished answer stays available to late followers this long


@dataclass
class Transcript:
    """Everything a producer has published so far, for followers that join late."""

    task: TaskInfo
    message_id: str | None = None  # the answer's message, for a completion in a chat
    content: str = ""
    reasoning: str = ""
    seq: int = 0
    terminal: dict[str, Any] | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def snapshot(self) -> dict[str, Any]:
        return {"seq": self.seq, "c": self.content, "r": self.reasoning,
                "end": self.terminal, "user": self.task.user_id, "model": self.task.model,
                "chat": self.task.chat_id, "msg": self.message_id}


class AnswerSink(Protocol):
    """Where a chat-bound completion keeps its answer (resolvers/completions/answers.py)."""

    def progress(self, transcript: Transcript) -> None: ...

    async def finish(self, transcript: Transcript, terminal: dict[str, Any]) -> None: ...


@dataclass
class Snapshot:
    seq: int
    content: str
    reasoning: str
    terminal: dict[str, Any] | None
    user_id: str
    model: str
    chat_id: str | None = None
    message_id: str | None = None
    buffered: list[dict[str, Any]] = field(default_factory=list)


def _usage(usage: Usage | None) -> dict[str, int] | None:
    if usage is None:
        return None
    return {"prompt": usage.prompt_tokens, "completion": usage.completion_tokens}


async def start_completion_task(ctx: Context, body: Mapping[str, Any], *, route: str,
                                inlet: bool = False) -> TaskInfo:
    """Verified users, for models they may use: start answering an OpenAI-shaped chat
    body (through the filters' inlet first, with `inlet`) in the background and return
    its task at once. Follow it with `follow_completion`; stop it like any task.
    Publishes on `completion:<task_id>`."""
    stream = await start_chat_stream(ctx, body, route=route, inlet=inlet)
    run_stream(ctx.services, stream)
    return stream.task


def run_stream(services: Services, stream: ChatStream, *, message_id: str | None = None,
               sink: AnswerSink | None = None) -> Transcript:
    """Produce the stream's answer in the background, for followers to read; a chat-bound
    completion passes the `sink` that keeps its message."""
    transcript = Transcript(stream.task, message_id=message_id)
    services.tasks.transcripts[stream.task_id] = transcript
    services.spawn(_produce(services, stream, transcript, sink))
    return transcript


async def start_prompt_task(ctx: Context, request: PromptRequest, *, route: str) -> TaskInfo:
    """As `start_completion_task`, for a single prompt (and an optional system prompt)."""
    await require_verified(ctx)
    return await start_completion_task(ctx, prompt_body(request), route=route, inlet=True)


async def _produce(services: Services, stream: ChatStream, transcript: Transcript,
                   sink: AnswerSink | None) -> None:
    channel = completion_channel(transcript.task.id)
    size = piece_size(services)
    terminal: dict[str, Any]
    try:
        await stream.open()
        async for chunk in stream.chunks():
            texts, thoughts = pieces(chunk.content, size), pieces(chunk.reasoning, size)
            for index in range(max(len(texts), len(thoughts))):
                text = texts[index] if index < len(texts) else ""
                thought = thoughts[index] if index < len(thoughts) else ""
                transcript.content += text
                transcript.reasoning += thought
                transcript.seq += 1
                await _publish(services, channel, {"t": "delta", "seq": transcript.seq,
                                                   "c": text, "r": thought})
            if sink is not None:
                sink.progress(transcript)
        result = stream.result
        terminal = {"t": "done", "finish": result.finish_reason, "usage": _usage(result.usage)}
    except DomainError as error:
        terminal = {"t": "failed", "code": error.code, "reason": error.reason,
                    "message": error.message, "status": error.status}
    except Exception:  # a bug must still end the stream for its followers
        log.exception("completion task %s failed", transcript.task.id)
        terminal = {"t": "failed", "code": "INTERNAL", "reason": "internal",
                    "message": "The completion failed unexpectedly.", "status": 500}
    finally:
        await stream.aclose()
    if sink is not None:  # stored first: a follower told "done" can read the message
        await sink.finish(transcript, terminal)
    transcript.seq += 1
    transcript.terminal = dict(terminal, seq=transcript.seq)
    transcript.finished.set()
    await _publish(services, channel, transcript.terminal)
    asyncio.get_running_loop().call_later(
        RETAIN_SECONDS, services.tasks.transcripts.pop, transcript.task.id, None)


async def _publish(services: Services, channel: str, event: dict[str, Any]) -> None:
    try:
        await services.pubsub.publish(channel, event)
    except Exception:  # the answer goes on for local followers; the broker's trouble is logged
        log.exception("could not publish on %s", channel)


async def _snapshot(ctx: Context, task_id: str, events: AsyncIterator[dict[str, Any]]
                    ) -> Snapshot:
    local = ctx.services.tasks.transcripts.get(task_id)
    if local is not None:
        return _local(local)
    found = await task_control.replay(ctx.services, task_id, events)
    if found is None:
        raise NotFound("No such completion is running.", reason="task_not_found")
    replayed, buffered = found
    return Snapshot(replayed["seq"], replayed["c"], replayed["r"], replayed["end"],
                    replayed["user"], replayed["model"], replayed.get("chat"),
                    replayed.get("msg"), buffered)


def _local(transcript: Transcript) -> Snapshot:
    s = transcript.snapshot()
    return Snapshot(s["seq"], s["c"], s["r"], s["end"], s["user"], s["model"], s["chat"],
                    s["msg"])


def outcome(transcript: Transcript) -> Done | Failed:
    """How a finished answer ended, with all of it."""
    assert transcript.terminal is not None
    result = CompletionResult(content=transcript.content, reasoning=transcript.reasoning)
    return _ending(transcript.task.id, _local(transcript), transcript.terminal, result)


def _ending(task_id: str, snapshot: Snapshot, event: Mapping[str, Any],
            result: CompletionResult) -> Done | Failed:
    place = {"chat_id": snapshot.chat_id, "message_id": snapshot.message_id}
    if event["t"] == "done":
        usage = event.get("usage") or None
        result.finish_reason = event.get("finish")
        result.usage = Usage(usage["prompt"], usage["completion"]) if usage else None
        return Done(task_id, snapshot.model, result, **place)
    error = DomainError(event.get("message", "The completion failed."),
                        reason=event.get("reason"))
    error.code = event.get("code", "INTERNAL")
    error.status = event.get("status", 500)
    return Failed(task_id, error, result, **place)


async def follow_completion(ctx: Context, task_id: str
                            ) -> AsyncIterator[Delta | Done | Failed]:
    """The task's owner or an administrator, on any instance: everything generated so
    far as one Delta, then each new Delta, then Done or Failed. Leaving does not stop
    the completion."""
    async with ctx.unit_of_work():
        viewer = await require_verified(ctx)
    async with ctx.services.pubsub.subscribe(completion_channel(task_id)) as events:
        snapshot = await _snapshot(ctx, task_id, events)
        if viewer.role != "admin" and snapshot.user_id != viewer.id:
            raise NotFound("No such completion is running.", reason="task_not_found")
        result = CompletionResult(content=snapshot.content, reasoning=snapshot.reasoning)
        if snapshot.content or snapshot.reasoning:
            yield Delta(task_id, snapshot.content, snapshot.reasoning)
        if snapshot.terminal is not None:
            yield _ending(task_id, snapshot, snapshot.terminal, result)
            return
        async for event in _live(ctx.services, task_id, snapshot.buffered, events,
                                 snapshot.seq):
            if event["t"] == "sync":  # events were lost on the way: catch up in one step
                text = event["c"][len(result.content):]
                thought = event["r"][len(result.reasoning):]
                result.content, result.reasoning = event["c"], event["r"]
                if text or thought:
                    yield Delta(task_id, text, thought)
                if event["end"] is not None:
                    yield _ending(task_id, snapshot, event["end"], result)
                    return
            elif event["t"] == "delta":
                result.content += event["c"]
                result.reasoning += event["r"]
                yield Delta(task_id, event["c"], event["r"])
            else:
                yield _ending(task_id, snapshot, event, result)
                return


_STREAMED = ("delta", "done", "failed")


async def _live(services: Services, task_id: str, buffered: list[dict[str, Any]], events,
                after: int) -> AsyncIterator[dict[str, Any]]:
    """The answer's events after sequence number `after`, in order, each once. A follower
    that fell behind (many followers, a slow client) gets the deltas waiting for it
    merged into one, so it catches up instead of lagging further: every piece still
    arrives, in order, in fewer messages. When a sequence number is missing (a broker
    dropped an event), the answer so far is fetched again and given as one `sync`
    event with the whole text, so nothing is lost."""
    pending, seq = list(buffered), after
    while True:
        if not pending:
            try:
                pending.append(await anext(events))
            except StopAsyncIteration:
                return
            pending += events.waiting()
        event = pending.pop(0)
        if event.get("t") not in _STREAMED or event.get("seq", 0) <= seq:
            continue
        if event["seq"] > seq + 1:
            found = await _resync(services, task_id, events)
            if found is not None:
                snapshot, arrived = found
                pending = sorted([event, *pending, *arrived], key=lambda e: e.get("seq", 0))
                if snapshot["seq"] > seq:
                    seq = snapshot["seq"]
                    yield {"t": "sync", "c": snapshot["c"], "r": snapshot["r"],
                           "end": snapshot["end"]}
                continue
            log.warning("completion %s: events were lost and nobody has the answer",
                        task_id)
        while (event["t"] == "delta" and pending and pending[0].get("t") == "delta"
               and pending[0].get("seq") == event["seq"] + 1):
            following = pending.pop(0)
            event = dict(event, seq=following["seq"], c=event["c"] + following["c"],
                         r=event["r"] + following["r"])
        seq = event["seq"]
        yield event


async def _resync(services: Services, task_id: str, events
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    local = services.tasks.transcripts.get(task_id)
    if local is not None:
        return local.snapshot(), []
    return await task_control.replay(services, task_id, events)
