"""Open WebUI's tag and share routes of `/api/v1/chats`."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openwebui import chat_serializers as out
from compat_rest.openwebui.chats import DEFAULT, V1
from compat_rest.openwebui.errors import ACCESS_PROHIBITED, NOT_FOUND, endpoint
from resolvers.chats import chats
from resolvers.chats import sharing as chat_sharing
from resolvers.chats import tags as chat_tags
from resolvers.context import Context

TAGS_READ = {"chat_not_found": (401, NOT_FOUND)}
TAGS_ADD = {"chat_not_found": (401, DEFAULT)}
SHARE = {"chat_not_found": (401, ACCESS_PROHIBITED),
         "chat_share_forbidden": (401, ACCESS_PROHIBITED)}
SHARED = {"share_not_found": (401, NOT_FOUND), "role_pending": (401, NOT_FOUND)}


class TagForm(BaseModel):
    name: str


class TagFilterForm(TagForm):
    # Bounded so the row offset stays a 64-bit integer and one answer stays small.
    skip: int = Field(0, ge=0, le=2**31 - 1)
    limit: int = Field(50, ge=0, le=10_000)


@endpoint()
async def chats_by_tag(request: Request, ctx: Context) -> list[dict]:
    """The caller's chats carrying a tag (pinned and foldered ones too), newest first."""
    form = await parse_body(request, TagFilterForm)
    found = await chats.list_chats(ctx, filter=chats.ChatFilter(tag=form.name),
                                   offset=form.skip, limit=form.limit, count=False)
    return [out.title_item(chat) for chat in found.chats]


@endpoint()
async def all_tags(request: Request, ctx: Context) -> list[dict]:
    return [out.tag_model(tag) for tag in await chat_tags.list_tags(ctx)]


@endpoint(overrides=TAGS_READ)
async def chat_tag_list(request: Request, ctx: Context) -> list[dict]:
    tags = await chat_tags.chat_tags(ctx, request.path_params["chat_id"])
    return [out.tag_model(tag) for tag in tags]


@endpoint(write=True, overrides=TAGS_ADD)
async def add_tag(request: Request, ctx: Context) -> list[dict]:
    form = await parse_body(request, TagForm)
    tags = await chat_tags.tag_chat(ctx, request.path_params["chat_id"], form.name)
    return [out.tag_model(tag) for tag in tags]


@endpoint(write=True, overrides=TAGS_READ)
async def remove_tag(request: Request, ctx: Context) -> list[dict]:
    form = await parse_body(request, TagForm)
    tags = await chat_tags.untag_chat(ctx, request.path_params["chat_id"], form.name)
    return [out.tag_model(tag) for tag in tags]


@endpoint(write=True, overrides=SHARE)
async def share_chat(request: Request, ctx: Context) -> dict:
    return out.chat_response(await chat_sharing.share_chat(ctx, request.path_params["chat_id"]))


@endpoint(write=True, overrides=SHARE)
async def unshare_chat(request: Request, ctx: Context) -> bool:
    return await chat_sharing.unshare_chat(ctx, request.path_params["chat_id"])


@endpoint(overrides=SHARED)
async def shared_chat(request: Request, ctx: Context) -> dict:
    snapshot = await chat_sharing.get_shared_chat(ctx, request.path_params["share_id"])
    return out.shared_chat(snapshot)


def routes() -> list[Route]:
    one = f"{V1}/{{chat_id}}"
    return [
        Route(f"{V1}/all/tags", all_tags, methods=["GET"]),
        Route(f"{V1}/tags", chats_by_tag, methods=["POST"]),  # before POST /{chat_id}
        Route(f"{V1}/share/{{share_id}}", shared_chat, methods=["GET"]),
        Route(f"{one}/tags", chat_tag_list, methods=["GET"]),
        Route(f"{one}/tags", add_tag, methods=["POST"]),
        Route(f"{one}/tags", remove_tag, methods=["DELETE"]),
        Route(f"{one}/share", share_chat, methods=["POST"]),
        Route(f"{one}/share", unshare_chat, methods=["DELETE"]),
    ]
