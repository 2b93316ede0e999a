"""Completions that answer in a chat: the user's message and the answer's message are
written first, in one transaction; then one producer reads the upstream once, publishes
the answer for any number of followers (resolvers/completions/tasks.py) and keeps the
answer's message (resolvers/completions/answers.py). Leaving does not stop it: a reload finds
the answer streaming, then finished.

Only the chat's owner starts a completion in it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from data.chat_json import row_values
from data.tables import ChatMessageRow, ChatRow
from data.tables.base import now_s
from resolvers.chats import events as chat_events
from resolvers.chats import limits as chat_limits
from resolvers.chats.access import LockedChat, lock_chat, save_tree
from resolvers.chats.chats import ChatCreate, create_chat, empty_chat
from resolvers.chats.messages import sign
from resolvers.chats.tree import ChatTree, Node
from resolvers.completions.answers import AnswerWriter, stopped_note
from resolvers.completions.completions import Delta, Done, Failed, StreamPlan, plan_chat_stream
from resolvers.completions.filtered import OutletSink, filtered
from resolvers.completions.tasks import AnswerSink, Transcript, follow_completion, run_stream
from resolvers.context import Context, Services, Viewer
from resolvers.errors import Invalid, NotFound
from resolvers.functions.chain import FilterChain
from resolvers.permissions import require_verified
from resolvers.tasks import tasks
from resolvers.tasks.registry import COMPLETION, TaskInfo, prepare

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class ChatTurn:
    """A message to send and the model to answer it. Without `content` the model answers
    `parent_id` (a user message) again: a regenerated answer beside the others. Without
    `chat_id` the message opens a new chat (see start_chat)."""

    chat_id: str | None
    model: str
    content: str | None = None
    parent_id: str | None = None  # default: after the current message
    temperature: float | None = None
    max_tokens: int | None = None
    # Documents to ground the answer in: Open WebUI's file items ({type: "file" or
    # "collection", id}), kept on the user message as its `files`.
    files: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class ChatOpening:
    """A new chat's first message and the model to answer it. `prompt` is the OpenAI
    body the model answers (Open WebUI's clients send their own messages); without it the
    model answers the new chat's message. `fields` are other Open WebUI keys of the
    message (e.g. `files`)."""

    model: str
    content: Any
    question_id: str | None = None
    answer_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    prompt: Mapping[str, Any] | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class TurnStarted:
    task: TaskInfo
    chat: ChatRow
    question: ChatMessageRow | None  # None when regenerating
    answer: ChatMessageRow


async def start_turn(ctx: Context, turn: ChatTurn, *, route: str = "graphql") -> TurnStarted:
    """The chat's owner, for a model they may use: add the message (unless regenerating)
    and an empty answer under it, and start answering once the transaction commits.
    Publishes message.added for each. Without a chat: start_chat."""
    if turn.chat_id is None:
        if turn.parent_id is not None:
            raise Invalid("A new chat has no message to follow: leave out the parent or "
                          "name the chat.", reason="parent_not_found", field="parent_id")
        return await start_chat(ctx, ChatOpening(
            model=turn.model, content=turn.content or "", temperature=turn.temperature,
            max_tokens=turn.max_tokens,
            fields={"files": list(turn.files)} if turn.files else {}), route=route,
            inlet=True)
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, turn.chat_id)
    tree = locked.tree
    question_id = _place_question(locked, turn, viewer)
    body = _options({"model": turn.model,
                     "messages": prompt_messages(locked.row.chat, tree, question_id)}, turn)
    files = tree.messages[question_id].get("files")
    if isinstance(files, list) and files:
        body["files"] = files
    plan = await plan_chat_stream(ctx, body, inlet=True)
    task = prepare(kind=COMPLETION, user_id=viewer.id, model=plan.model, route=route,
                   chat_id=turn.chat_id)
    answer_id = str(uuid.uuid4())
    tree.add(answer_id, _placeholder(plan, task.id), question_id)
    await save_tree(ctx, locked)
    written = [question_id] if turn.content is not None else []
    for message_id in (*written, answer_id):
        chat_events.publish(ctx, viewer.id, turn.chat_id, chat_events.MESSAGE_ADDED,
                            message_id)
    _start_after_commit(ctx, plan, task, answer_id, body["messages"])
    question = _row(locked, question_id) if written else None
    return TurnStarted(task, locked.row, question, _row(locked, answer_id))


async def start_chat(ctx: Context, opening: ChatOpening, *, route: str = "graphql",
                     inlet: bool = False) -> TurnStarted:
    """Any approved account, for a model it may use: create a chat (titled as a new chat)
    holding the message and an empty answer under it, and start answering once the
    transaction commits (the filters' inlet editing what the model is sent, with
    `inlet`). Nothing is written when anything is refused. Publishes chat.created."""
    viewer = await require_verified(ctx)
    content = opening.content
    if not (content.strip() if isinstance(content, str) else content):
        raise Invalid("The message is empty.", reason="invalid_content", field="content")
    content = chat_limits.message_content(content)
    prompt = opening.prompt or _options(
        {"model": opening.model, "messages": [{"role": "user", "content": content}],
         **({"files": opening.fields["files"]} if opening.fields.get("files") else {})},
        opening)
    plan = await plan_chat_stream(ctx, prompt, inlet=inlet)
    question = {**opening.fields, "role": "user", "content": content, "timestamp": now_s(),
                "models": [plan.model]}
    sign(question, viewer)
    task = prepare(kind=COMPLETION, user_id=viewer.id, model=plan.model, route=route)
    tree = ChatTree({}, None)
    question_id = str(uuid.uuid4()) if opening.question_id is None else opening.question_id
    answer_id = str(uuid.uuid4()) if opening.answer_id is None else opening.answer_id
    tree.add(question_id, question, None)
    tree.add(answer_id, _placeholder(plan, task.id), question_id)
    chat = await create_chat(ctx, ChatCreate(chat={**empty_chat(), "models": [plan.model],
                                                   "history": tree.history()}))
    task = dataclasses.replace(task, chat_id=chat.id)
    _start_after_commit(ctx, plan, task, answer_id, prompt.get("messages"))
    return TurnStarted(task, chat, _message_row(chat, tree, question_id),
                       _message_row(chat, tree, answer_id))


@dataclass(frozen=True)
class BoundStarted:
    task: TaskInfo
    sources: list[dict[str, Any]]  # of a grounded answer, in Open WebUI's shape


async def start_bound(ctx: Context, body: Mapping[str, Any], *, route: str) -> BoundStarted:
    """Open WebUI's chat-bound `/api/chat/completions`: the client sends the messages and
    names the answer's message (`id`), which the client usually saved already; the
    answer is written into it (created under `parent_id`, the user message, or the
    current message when missing)."""
    viewer = await require_verified(ctx)
    plan = await plan_chat_stream(ctx, body)
    chat_id = str(body["chat_id"])
    locked = await lock_chat(ctx, viewer, chat_id)
    task = prepare(kind=COMPLETION, user_id=viewer.id, model=plan.model, route=route,
                   chat_id=chat_id)
    answer_id = body.get("id")
    if answer_id is not None and not isinstance(answer_id, str):
        raise Invalid("id must be a string: the answer's message id.", reason="invalid_body",
                      field="id")
    tree = locked.tree
    if answer_id in tree.messages:
        if tree.messages[answer_id].get("role") != "assistant":
            raise Invalid("id names a message that is not an answer.",
                          reason="not_an_answer", field="id")
        tree.update(answer_id, {"sources": None, **_placeholder(plan, task.id),
                                "error": None, "output": None, "statusHistory": None})
        kind = chat_events.MESSAGE_UPDATED
    else:
        answer_id = answer_id or str(uuid.uuid4())
        tree.add(answer_id, _placeholder(plan, task.id), _bound_parent(tree, body))
        kind = chat_events.MESSAGE_ADDED
    await save_tree(ctx, locked)
    chat_events.publish(ctx, viewer.id, chat_id, kind, answer_id)
    _start_after_commit(ctx, plan, task, answer_id, body.get("messages"))
    return BoundStarted(task, plan.sources)


async def stop_chat(ctx: Context, chat_id: str) -> list[TaskInfo]:
    """Whoever may change the chat's messages: stop its running answers, wherever they
    run; each keeps what had arrived. When none is running, answers left unfinished (a
    server that died mid-answer) are closed as stopped, keeping their text, as Open
    WebUI's stop does. Needs a write unit of work."""
    viewer = await require_verified(ctx)
    locked = await lock_chat(ctx, viewer, chat_id, admins=True)
    running = await tasks.list_tasks(ctx, chat_id=chat_id)
    for task in running:
        with contextlib.suppress(NotFound):  # it ended meanwhile
            await tasks.stop_task(ctx, task.id)
    if not running:
        await _close_unfinished(ctx, locked)
    return running


async def _close_unfinished(ctx: Context, locked: LockedChat) -> None:
    tree, row = locked.tree, locked.row
    unfinished = [m for m, node in tree.messages.items()
                  if node.get("role") == "assistant" and node.get("done") is False]
    for message_id in unfinished:
        node = tree.messages[message_id]
        notes = node.get("statusHistory") if isinstance(node.get("statusHistory"), list) else []
        tree.update(message_id, {"done": True, "statusHistory": [*notes, stopped_note()]},
                    make_current=False)
    if unfinished:
        await save_tree(ctx, locked, touch=False)
        for message_id in unfinished:
            chat_events.publish(ctx, row.user_id, row.id, chat_events.MESSAGE_UPDATED,
                                message_id)


async def follow_chat(ctx: Context, chat_id: str) -> AsyncIterator[Delta | Done | Failed]:
    """The newest answer being written in the chat (the caller's own, or any for an
    administrator), followed as `follow_completion` does, on any instance."""
    async with ctx.unit_of_work():
        running = await tasks.list_tasks(ctx, chat_id=chat_id)
    if not running:
        raise NotFound("No answer is being written in this chat.", reason="task_not_found")
    async for event in follow_completion(ctx, running[-1].id):
        yield event


def transcript_of(services: Services, task: TaskInfo) -> Transcript | None:
    """The running answer of a task started here (after its transaction committed)."""
    return services.tasks.transcripts.get(task.id)


def _start_after_commit(ctx: Context, plan: StreamPlan, task: TaskInfo, answer_id: str,
                        messages: Any) -> None:
    """Start answering once the transaction commits; the filters' `stream` hook sees each
    piece and their `outlet` the whole answer before it is kept. `messages` is what the
    model answers."""
    services = ctx.services

    async def start() -> None:
        stream = filtered(plan, plan.start(services, route=task.route, task=task), services)
        writer: AnswerSink = AnswerWriter(services, task.user_id, str(task.chat_id),
                                          answer_id)
        if isinstance(plan.filters, FilterChain) and plan.filters.hooks("outlet"):
            writer = OutletSink(writer, plan.filters, services, model=plan.model,
                                chat_id=str(task.chat_id), answer_id=answer_id,
                                messages=messages if isinstance(messages, list) else [])
        run_stream(services, stream, message_id=answer_id, sink=writer)

    ctx.after_commit(start)


def _place_question(locked: LockedChat, turn: ChatTurn, viewer: Viewer) -> str:
    tree = locked.tree
    if turn.content is None:
        question_id = turn.parent_id or tree.current_id
        if question_id is None or tree.get(question_id).get("role") != "user":
            raise Invalid("To answer again, parentId must name a user message.",
                          reason="not_a_question", field="parent_id")
        return question_id
    if not turn.content.strip():
        raise Invalid("The message is empty.", reason="invalid_content", field="content")
    node = {"role": "user", "content": chat_limits.message_content(turn.content),
            "timestamp": now_s(), "models": [turn.model]}
    if turn.files:
        node["files"] = [dict(item) for item in turn.files]
    sign(node, viewer)
    question_id = str(uuid.uuid4())
    tree.add(question_id, node, turn.parent_id or tree.current_id)
    return question_id


def _placeholder(plan: StreamPlan, task_id: str) -> Node:
    """The empty answer; a grounded one carries its sources from the start, as Open
    WebUI keeps them on the message for citations."""
    node = {"role": "assistant", "content": "", "model": plan.model, "modelName": plan.model,
            "timestamp": now_s(), "done": False, "meta": {"task_id": task_id}}
    if plan.sources:
        node["sources"] = plan.sources
    return node


def _bound_parent(tree: ChatTree, body: Mapping[str, Any]) -> str | None:
    user_message = body.get("user_message") or body.get("parent_message")
    for candidate in (body.get("parent_id"),
                      user_message.get("id") if isinstance(user_message, Mapping) else None):
        if isinstance(candidate, str) and candidate in tree.messages:
            return candidate
    return tree.current_id


def _options(body: dict[str, Any], turn: ChatTurn | ChatOpening) -> dict[str, Any]:
    if turn.temperature is not None:
        body["temperature"] = turn.temperature
    if turn.max_tokens is not None:
        body["max_tokens"] = turn.max_tokens
    return body


def prompt_messages(blob: Any, tree: ChatTree, last_id: str) -> list[dict[str, Any]]:
    """The conversation the model answers: the chat's system prompt, if it has one, then
    the messages from the first down to `last_id`, skipping empty answers."""
    path: list[Node] = []
    at: str | None = last_id
    while at is not None and at in tree.messages and len(path) <= len(tree.messages):
        node = tree.messages[at]
        path.append(node)
        at = node.get("parentId")
    messages = [{"role": "system", "content": system}
                for system in (_system_prompt(blob),) if system]
    for node in reversed(path):
        role, content = node.get("role"), node.get("content")
        if role not in ROLES or not isinstance(content, str | list):
            continue
        if role == "assistant" and not content:
            continue
        messages.append({"role": role, "content": content})
    return messages


def _system_prompt(blob: Any) -> str | None:
    if not isinstance(blob, dict):
        return None
    params = blob.get("params")
    system = params.get("system") if isinstance(params, dict) else None
    system = system or blob.get("system")
    return system if isinstance(system, str) and system.strip() else None


def _row(locked: LockedChat, message_id: str) -> ChatMessageRow:
    return _message_row(locked.row, locked.tree, message_id)


def _message_row(chat: ChatRow, tree: ChatTree, message_id: str) -> ChatMessageRow:
    return ChatMessageRow(**row_values(chat.id, chat.user_id, message_id,
                                       tree.messages[message_id], now_s()))
