"""Open WebUI's `/api/v1/chats` routes for chats and their lists, and the documented
short `/api/chats` routes. Statuses and details follow Open WebUI route by route: most
refusals are 401, with NOT_FOUND, ACCESS_PROHIBITED or DEFAULT as the detail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, RootModel
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import BadBody, page_number, parse_body
from compat_rest.openwebui import chat_serializers as out
from compat_rest.openwebui.errors import ACCESS_PROHIBITED, NOT_FOUND, endpoint
from resolvers.chats import chats
from resolvers.chats import limits as chat_limits
from resolvers.context import Context

V1 = "/api/v1/chats"
DEFAULT = "Something went wrong :/"
PAGE = chat_limits.OPEN_WEBUI_PAGE
READ = {"chat_not_found": (401, NOT_FOUND)}
UPDATE = {"chat_not_found": (401, ACCESS_PROHIBITED), "folder_not_found": (404, NOT_FOUND)}
DELETE = {"chat_not_found": (404, NOT_FOUND), "chat_delete_forbidden": (401, ACCESS_PROHIBITED)}
CREATE = {"folder_not_found": (404, NOT_FOUND)}
SORT_ALIASES = {"unread_updated_at": "updated_at"}


class FolderForm(BaseModel):
    folder_id: str | None = None


class ChatForm(BaseModel):
    chat: dict[str, Any]
    variables: dict[str, Any] | None = None
    folder_id: str | None = None


class ParamsForm(RootModel[dict[str, Any]]):
    pass


def query_error(name: str, message: str, value: str) -> BadBody:
    return BadBody([{"type": "value_error", "loc": ["query", name], "msg": message,
                     "input": value}])


def page_param(request: Request, *, default: int | None = None) -> int | None:
    return page_number(request, PAGE, default=default)


def bool_param(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise query_error(name, "Input should be a valid boolean", raw)
    return raw.lower() in ("true", "1", "yes", "on")


def order_param(request: Request, field: str = "sort_by", direction: str = "sort_dir"
                ) -> chats.ChatOrder:
    params = request.query_params
    by = params.get(field) or "updated_at"
    return chats.ChatOrder(field=SORT_ALIASES.get(by, by),
                           descending=(params.get(direction) or "desc").lower() != "asc")


async def _titles(ctx: Context, filter: chats.ChatFilter, order: chats.ChatOrder,
                  page: int | None) -> list[dict]:
    offset, limit = ((page - 1) * PAGE, PAGE) if page else (0, None)
    found = await chats.list_chats(ctx, filter=filter, order=order, offset=offset,
                                   limit=limit, count=False)
    return [out.title_item(chat) for chat in found.chats]


@endpoint()
async def list_chats(request: Request, ctx: Context) -> list[dict]:
    """Without `page`, every chat; pinned and foldered chats only when asked for."""
    filter = chats.ChatFilter(
        pinned=None if bool_param(request, "include_pinned") else False,
        in_folder=None if bool_param(request, "include_folders") else False)
    return await _titles(ctx, filter, order_param(request), page_param(request))


@endpoint()
async def pinned_chats(request: Request, ctx: Context) -> list[dict]:
    return await _titles(ctx, chats.ChatFilter(pinned=True), chats.ChatOrder(), None)


@endpoint()
async def archived_chats(request: Request, ctx: Context) -> list[dict]:
    filter = chats.ChatFilter(archived=True, search=request.query_params.get("query"))
    return await _titles(ctx, filter, order_param(request, "order_by", "direction"),
                         page_param(request, default=1))


@endpoint()
async def search_chats(request: Request, ctx: Context) -> list[dict]:
    """`text` is matched against titles and message contents; `tag:<name>` words filter
    by tag."""
    text = request.query_params.get("text")
    if text is None:
        raise BadBody([{"type": "missing", "loc": ["query", "text"], "msg": "Field required"}])
    words = text.split()
    tags = [w[4:] for w in words if w.startswith("tag:") and len(w) > 4]
    rest = " ".join(w for w in words if not w.startswith("tag:"))
    filter = chats.ChatFilter(pinned=None, tag=tags[0] if tags else None, search=rest or None)
    return await _titles(ctx, filter, chats.ChatOrder(), page_param(request, default=1))


@endpoint(write=True, overrides=CREATE)
async def create_chat(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ChatForm)
    chat = await chats.create_chat(ctx, chats.ChatCreate(
        chat=form.chat, variables=form.variables, folder_id=form.folder_id))
    return out.chat_response(chat)


@endpoint(overrides=READ)
async def get_chat(request: Request, ctx: Context) -> dict:
    chat = await chats.get_chat(ctx, request.path_params["chat_id"])
    return out.chat_response(chat, own=await chats.is_own_chat(ctx, chat), share_mode=True)


@endpoint(write=True, overrides=UPDATE)
async def update_chat(request: Request, ctx: Context) -> dict:
    """Owners' `folder_id` in the body is ignored here, as in Open WebUI."""
    form = await parse_body(request, ChatForm)
    chat = await chats.update_chat(ctx, request.path_params["chat_id"],
                                   chats.ChatUpdate(chat=form.chat, variables=form.variables))
    return out.chat_response(chat)


@endpoint(write=True, overrides=UPDATE)
async def update_params(request: Request, ctx: Context) -> dict:
    """Merge keys into the chat's generation params; answers with all of them."""
    form = await parse_body(request, ParamsForm)
    return await chats.update_chat_params(ctx, request.path_params["chat_id"], form.root)


@endpoint(write=True, overrides=DELETE)
async def delete_chat(request: Request, ctx: Context) -> bool:
    return await chats.delete_chat(ctx, request.path_params["chat_id"])


@endpoint(write=True, overrides={"chat_not_found": (401, DEFAULT)})
async def archive_chat(request: Request, ctx: Context) -> dict:
    """A toggle, as in Open WebUI; archiving also takes the chat out of its folder."""
    return out.chat_response(await chats.set_archived(ctx, request.path_params["chat_id"]))


@endpoint(write=True, overrides={"chat_not_found": (401, DEFAULT)})
async def pin_chat(request: Request, ctx: Context) -> dict:
    """A toggle, as in Open WebUI."""
    return out.chat_response(await chats.set_pinned(ctx, request.path_params["chat_id"]))


@endpoint(write=True, overrides={"chat_not_found": (401, DEFAULT),
                                 "folder_not_found": (404, NOT_FOUND)})
async def move_chat(request: Request, ctx: Context) -> dict:
    """Into one of the caller's folders, or out of any with `folder_id` null."""
    form = await parse_body(request, FolderForm)
    chat = await chats.update_chat(ctx, request.path_params["chat_id"],
                                   chats.ChatUpdate(folder_id=form.folder_id))
    return out.chat_response(chat)


@endpoint(overrides={"chat_not_found": (401, DEFAULT)})
async def pinned_status(request: Request, ctx: Context) -> bool | None:
    return await chats.is_pinned(ctx, request.path_params["chat_id"])


def routes() -> list[Route]:
    one = f"{V1}/{{chat_id}}"
    return [
        Route(V1, list_chats, methods=["GET"]),
        Route(f"{V1}/list", list_chats, methods=["GET"]),
        Route(f"{V1}/new", create_chat, methods=["POST"]),
        Route(f"{V1}/pinned", pinned_chats, methods=["GET"]),
        Route(f"{V1}/archived", archived_chats, methods=["GET"]),
        Route(f"{V1}/search", search_chats, methods=["GET"]),
        Route(one, get_chat, methods=["GET"]),
        Route(one, update_chat, methods=["POST", "PATCH"]),
        Route(f"{one}/params", update_params, methods=["PATCH"]),
        Route(one, delete_chat, methods=["DELETE"]),
        Route(f"{one}/archive", archive_chat, methods=["POST"]),
        Route(f"{one}/pin", pin_chat, methods=["POST"]),
        Route(f"{one}/pinned", pinned_status, methods=["GET"]),
        Route(f"{one}/folder", move_chat, methods=["POST"]),
        # The documented short routes.
        Route("/api/chats", list_chats, methods=["GET"]),
        Route("/api/chats", create_chat, methods=["POST"]),
        Route("/api/chats/{chat_id}", get_chat, methods=["GET"]),
        Route("/api/chats/{chat_id}", update_chat, methods=["POST", "PATCH"]),
        Route("/api/chats/{chat_id}", delete_chat, methods=["DELETE"]),
        Route("/api/chats/{chat_id}/archive", archive_chat, methods=["POST"]),
    ]
