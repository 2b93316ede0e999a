"""Message routes: Open WebUI's `POST|DELETE /api/v1/chats/{id}/messages/{message_id}`
(answering with the whole chat, as it does), and our own short routes for full message
CRUD in its style: `GET|POST /api/chats/{id}/messages` and
`GET|POST|DELETE /api/chats/{id}/messages/{message_id}`."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body, query_int
from compat_rest.openwebui import chat_serializers as out
from compat_rest.openwebui.chats import V1
from compat_rest.openwebui.errors import ACCESS_PROHIBITED, NOT_FOUND, endpoint
from data.tables import ChatMessageRow
from resolvers.chats import events as chat_events
from resolvers.chats import limits as chat_limits
from resolvers.chats import messages
from resolvers.context import Context

OPEN_WEBUI = {"chat_not_found": (401, ACCESS_PROHIBITED),
              "message_not_found": (404, NOT_FOUND)}
OURS = {"chat_not_found": (404, NOT_FOUND), "message_not_found": (404, NOT_FOUND)}


class MessageForm(BaseModel):
    content: str | None = None
    voice: dict[str, Any] | None = None


class NewMessageForm(BaseModel):
    content: str | list[Any]
    role: str = "user"
    parentId: str | None = None  # left out: answer the current message; null: a new root
    id: str | None = None
    model: str | None = None
    done: bool = True
    files: list[dict[str, Any]] | None = None  # Open WebUI's file items


class EventForm(BaseModel):
    type: str
    data: dict[str, Any]


def _ids(request: Request) -> tuple[str, str]:
    return request.path_params["chat_id"], request.path_params["message_id"]


@endpoint(write=True, overrides=OPEN_WEBUI)
async def upsert_message(request: Request, ctx: Context) -> dict:
    """Change a message's content (or voice settings), creating it when missing."""
    form = await parse_body(request, MessageForm)
    change = await messages.upsert_message(
        ctx, *_ids(request), messages.MessageEdit(content=form.content, voice=form.voice))
    return out.chat_response(change.chat)


@endpoint(write=True, overrides=OPEN_WEBUI)
async def delete_message(request: Request, ctx: Context) -> dict:
    change = await messages.delete_message(ctx, *_ids(request))
    return out.chat_response(change.chat)


@endpoint(overrides=OPEN_WEBUI)
async def message_event(request: Request, ctx: Context) -> bool:
    """Relay an event about a message to whoever follows the chat; nothing is stored."""
    form = await parse_body(request, EventForm)
    return await chat_events.send_message_event(ctx, *_ids(request), form.type, form.data)


async def _with_children(ctx: Context, rows: list[ChatMessageRow]) -> list[dict]:
    # Gathered, so every message's children come back from one batched query.
    children = await asyncio.gather(
        *(messages.get_children(ctx, row.chat_id, out.message_id(row)) for row in rows))
    return [out.message(row, kids) for row, kids in zip(rows, children, strict=True)]


@endpoint(overrides=OURS)
async def list_messages(request: Request, ctx: Context) -> dict:
    """`scope` branch (default: root to the current message) or tree (every message,
    oldest first); `skip` and `limit` (1 to 200, default 60) page through it, from the
    start or, with `from=end`, from the end."""
    params = request.query_params
    window = messages.MessageWindow(
        scope=params.get("scope") or "branch", from_end=params.get("from") == "end",
        skip=query_int(request, "skip", low=0, high=chat_limits.MAX_MESSAGES_PER_CHAT,
                       default=0),
        limit=query_int(request, "limit", low=1, high=chat_limits.MAX_MESSAGE_PAGE,
                        default=chat_limits.OPEN_WEBUI_PAGE))
    page = await messages.list_messages(ctx, request.path_params["chat_id"], window)
    return {"items": await _with_children(ctx, page.rows), "total": page.total}


@endpoint(overrides=OURS)
async def get_message(request: Request, ctx: Context) -> dict:
    row = await messages.get_message(ctx, *_ids(request))
    return (await _with_children(ctx, [row]))[0]


@endpoint(write=True, overrides=OURS)
async def add_message(request: Request, ctx: Context) -> dict:
    """A new message; without `parentId` it answers the current message."""
    form = await parse_body(request, NewMessageForm)
    root = "parentId" in form.model_fields_set and form.parentId is None
    change = await messages.add_message(ctx, request.path_params["chat_id"],
                                        messages.MessageCreate(
                                            content=form.content, role=form.role,
                                            parent_id=form.parentId, as_root=root,
                                            message_id=form.id, model=form.model,
                                            done=form.done, extra=_files(form)))
    return out.message(change.message, [])


def _files(form: NewMessageForm) -> dict[str, Any]:
    return {"files": form.files} if form.files is not None else {}


def routes() -> list[Route]:
    one = "/{chat_id}/messages/{message_id}"
    return [
        Route(f"{V1}{one}", upsert_message, methods=["POST"]),
        Route(f"{V1}{one}", delete_message, methods=["DELETE"]),
        Route(f"{V1}{one}/event", message_event, methods=["POST"]),
        # Documented short routes: full message CRUD in Open WebUI's style.
        Route("/api/chats/{chat_id}/messages", list_messages, methods=["GET"]),
        Route("/api/chats/{chat_id}/messages", add_message, methods=["POST"]),
        Route(f"/api/chats{one}", get_message, methods=["GET"]),
        Route(f"/api/chats{one}", upsert_message, methods=["POST"]),
        Route(f"/api/chats{one}", delete_message, methods=["DELETE"]),
    ]
