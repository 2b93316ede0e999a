"""Instances asking each other about tasks over pub/sub, so that several Parley processes
on one database act as one: a stop sent to any instance stops the task where it runs,
and a follower on any instance gets a completion's answer so far.

Each instance listens on the control channel and answers for the tasks it runs; asking
instances wait briefly for an answer on a reply channel of their own. Channels live in the
deployment's namespace and every message is signed with its secret (data/pubsub.py), so
no other deployment on the broker can list, stop or replay these tasks.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from data.pubsub import completion_channel, reply_channel, task_control_channel
from resolvers.context import Services, Viewer
from resolvers.tasks.registry import TaskInfo

log = logging.getLogger("parley.tasks")

REPLY_WAIT = 1.0  # seconds an instance waits for the owner of a task to answer
REPLAY_ATTEMPTS = 3  # a replay request can overtake the follower's own subscription
GATHER_WAIT = 0.3  # seconds to collect every instance's task list


async def start(services: Services) -> None:
    """Listen on the control channel (returns once subscribed)."""
    ready = asyncio.Event()
    services.tasks.listener = asyncio.ensure_future(_listen(services, ready))
    await ready.wait()


async def stop(services: Services) -> None:
    listener = getattr(services.tasks, "listener", None)
    if listener is not None:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)


async def _listen(services: Services, ready: asyncio.Event) -> None:
    async with services.pubsub.subscribe(task_control_channel()) as messages:
        ready.set()
        async for message in messages:
            try:
                await _answer(services, message)
            except Exception:  # one bad message must not stop the listener
                log.exception("could not answer a task control message")


def task_fields(task: TaskInfo) -> dict[str, Any]:
    return {"id": task.id, "kind": task.kind, "user_id": task.user_id, "model": task.model,
            "route": task.route, "chat_id": task.chat_id, "started_at": task.started_at,
            "stopping": task.stopping}


def task_from(fields: dict[str, Any]) -> TaskInfo:
    return TaskInfo(**{k: fields[k] for k in ("id", "kind", "user_id", "model", "route",
                                              "chat_id", "started_at", "stopping")})


async def _answer(services: Services, message: dict[str, Any]) -> None:
    registry, op, rid = services.tasks, message.get("op"), message.get("rid")
    if not isinstance(rid, str):
        return
    if op == "replay":
        transcript = registry.transcripts.get(message.get("task"))
        if transcript is not None:
            await _send_replay(services, transcript, rid)
        return

    def allowed(task: TaskInfo) -> bool:
        return message.get("admin") is True or task.user_id == message.get("by")

    if op == "list":  # one reply per task: a reply must fit PostgreSQL's NOTIFY limit
        for task in registry.all():
            if allowed(task):
                await services.pubsub.publish(reply_channel(rid),
                                              {"tasks": [task_fields(task)]})
        return
    task = registry.get(message.get("task"))
    if op in ("stop", "get") and task is not None and allowed(task):
        if op == "stop":
            registry.stop(task.id)
        await services.pubsub.publish(reply_channel(rid), {"tasks": [task_fields(task)]})


POSTGRES_PIECE = 1000  # characters: even escaped as \uXXXX, well under NOTIFY's 8000 bytes
OTHER_PIECE = 16384


def piece_size(services: Services) -> int:
    return POSTGRES_PIECE if services.pubsub.scheme == "postgres" else OTHER_PIECE


def pieces(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] if text else []


async def _send_replay(services: Services, transcript, rid: str) -> None:
    snapshot = transcript.snapshot()
    size = piece_size(services)
    texts, thoughts = pieces(snapshot["c"], size), pieces(snapshot["r"], size)
    count = max(len(texts), len(thoughts), 1)
    for index in range(count):
        part = {"t": "replay", "to": rid, "part": index, "parts": count,
                "seq": snapshot["seq"], "user": snapshot["user"], "model": snapshot["model"],
                "chat": snapshot["chat"], "msg": snapshot["msg"],
                "c": texts[index] if index < len(texts) else "",
                "r": thoughts[index] if index < len(thoughts) else ""}
        if index == count - 1:
            part["end"] = snapshot["end"]
        await services.pubsub.publish(completion_channel(transcript.task.id), part)


async def replay(services: Services, task_id: str, events: AsyncIterator[dict[str, Any]]
                 ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """Ask the instance running `task_id` for its answer so far, reading the answer from
    `events` (the follower's subscription to the completion). Returns the snapshot and
    the live events that arrived meanwhile, or None when no instance has the task."""
    if services.pubsub.scheme == "memory":
        return None  # one process: its own registry, already asked, was the only one
    buffered: list[dict[str, Any]] = []
    for _ in range(REPLAY_ATTEMPTS):
        rid = str(uuid.uuid4())
        await services.pubsub.publish(task_control_channel(),
                                      {"op": "replay", "task": task_id, "rid": rid})
        parts: dict[int, dict[str, Any]] = {}
        try:
            async with asyncio.timeout(REPLY_WAIT):
                async for event in events:
                    if event.get("t") != "replay":
                        buffered.append(event)
                    elif event.get("to") == rid:
                        parts[event["part"]] = event
                        if len(parts) == event["parts"]:
                            return _assembled(parts), buffered
        except TimeoutError:
            continue
    return None


def _assembled(parts: dict[int, dict[str, Any]]) -> dict[str, Any]:
    ordered = [parts[i] for i in sorted(parts)]
    last = ordered[-1]
    return {"seq": last["seq"], "c": "".join(p["c"] for p in ordered),
            "r": "".join(p["r"] for p in ordered), "end": last.get("end"),
            "user": last["user"], "model": last["model"], "chat": last.get("chat"),
            "msg": last.get("msg")}


async def ask(services: Services, viewer: Viewer, op: str, task_id: str | None = None
              ) -> list[TaskInfo]:
    """Ask the other instances: `stop` or `get` one task (the first answer), or `list`
    the viewer's tasks (administrators: all), gathered for a moment."""
    if services.pubsub.scheme == "memory":
        return []  # one process: there is nobody else to ask
    rid = str(uuid.uuid4())
    found: list[TaskInfo] = []
    async with services.pubsub.subscribe(reply_channel(rid)) as replies:
        await services.pubsub.publish(task_control_channel(), {
            "op": op, "task": task_id, "rid": rid, "by": viewer.id,
            "admin": viewer.role == "admin"})
        try:
            async with asyncio.timeout(GATHER_WAIT if op == "list" else REPLY_WAIT):
                async for reply in replies:
                    found += [task_from(t) for t in reply.get("tasks", [])]
                    if op != "list":
                        break
        except TimeoutError:
            pass
    return found
