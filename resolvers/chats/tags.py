"""Tags on chats. A chat lists its tag ids in `meta.tags`; each user has one `tag` row per
tag id, which goes when no chat of theirs (archived ones aside) carries it any more.

Every resolver here is for the chat's owner only; changes publish chat.updated.
"""

from __future__ import annotations

from collections.abc import Sequence

from data.repos.chats import ChatRepo
from data.repos.tags import TagRepo
from data.tables import ChatRow, TagRow
from resolvers.chats import events as chat_events
from resolvers.chats import limits as chat_limits
from resolvers.chats.access import chat_not_found, readable_summary
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.loaders import forget_loaded, loaders, serial
from resolvers.permissions import require_verified


async def list_tags(ctx: Context) -> Sequence[TagRow]:
    """The caller's tags, by name."""
    async with serial(ctx):
        viewer = await require_verified(ctx)
        return await TagRepo(ctx.session).for_user(viewer.id)


async def chat_tags(ctx: Context, chat_id: str) -> list[TagRow]:
    """The tags of one of the caller's chats."""
    return await _tags_of(ctx, await _owned(ctx, chat_id))


async def tags_of_chat(ctx: Context, chat_id: str) -> list[TagRow]:
    """Whoever may read the chat (batched across chats)."""
    chat = await readable_summary(ctx, await require_verified(ctx), chat_id)
    ids = tag_ids(chat)
    found = await loaders(ctx).tags.load_many([(chat.user_id, t) for t in ids])
    return [row or _unnamed(chat.user_id, t) for t, row in zip(ids, found, strict=True)]


async def tag_chat(ctx: Context, chat_id: str, name: str) -> list[TagRow]:
    """Add a tag (created for the owner if new); returns the chat's tags."""
    row = await _owned(ctx, chat_id)
    tag_id, name = chat_limits.tag_name(name)
    tags = tag_ids(row)
    if tag_id not in tags:
        if len(tags) >= chat_limits.MAX_TAGS_PER_CHAT:
            raise Invalid(f"A chat has at most {chat_limits.MAX_TAGS_PER_CHAT} tags.",
                          reason="too_many_tags", field="name")
        row.meta = {**(row.meta or {}), "tags": [*tags, tag_id]}
        await TagRepo(ctx.session).ensure(row.user_id, tag_id, name)
        await ctx.session.flush()
        chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return await _tags_of(ctx, row)


async def untag_chat(ctx: Context, chat_id: str, name: str) -> list[TagRow]:
    """Remove a tag; the owner's tag row goes when no other chat uses it."""
    row = await _owned(ctx, chat_id)
    tag_id, _ = chat_limits.tag_name(name)
    tags = tag_ids(row)
    if tag_id in tags:
        row.meta = {**(row.meta or {}), "tags": [t for t in tags if t != tag_id]}
        await ctx.session.flush()
        await drop_orphan_tags(ctx, row.user_id, [tag_id])
        chat_events.publish(ctx, row.user_id, row.id, chat_events.CHAT_UPDATED)
    return await _tags_of(ctx, row)


async def drop_orphan_tags(ctx: Context, user_id: str, tag_ids_: Sequence[str]) -> None:
    """Delete the user's tag rows that no unarchived chat carries (after a flush)."""
    chats = ChatRepo(ctx.session)
    unused = [t for t in tag_ids_ if await chats.count_tagged(user_id, t) == 0]
    await TagRepo(ctx.session).delete(user_id, unused)


async def restore_tags(ctx: Context, user_id: str, tag_ids_: Sequence[str]) -> None:
    """Make sure tag rows exist again (a chat came back from the archive)."""
    known = {t.id for t in await TagRepo(ctx.session).by_keys([(user_id, t) for t in tag_ids_])}
    for tag_id in tag_ids_:
        if tag_id not in known:
            await TagRepo(ctx.session).ensure(user_id, tag_id, tag_id)


def tag_ids(row: ChatRow) -> list[str]:
    meta = row.meta if isinstance(row.meta, dict) else {}
    tags = meta.get("tags")
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


async def _owned(ctx: Context, chat_id: str) -> ChatRow:
    viewer = await require_verified(ctx)
    row = await ChatRepo(ctx.session).summary(chat_id)
    if row is None or row.user_id != viewer.id:
        raise chat_not_found()
    forget_loaded(ctx)
    return row


async def _tags_of(ctx: Context, row: ChatRow) -> list[TagRow]:
    """Tag rows in the chat's order; a tag id without a row (Open WebUI tolerates that)
    shows under its id."""
    ids = tag_ids(row)
    found = {t.id: t for t in await TagRepo(ctx.session).by_keys([(row.user_id, t)
                                                                   for t in ids])}
    return [found.get(t) or _unnamed(row.user_id, t) for t in ids]


def _unnamed(user_id: str, tag_id: str) -> TagRow:
    return TagRow(id=tag_id, name=tag_id, user_id=user_id, meta={})
