"""Who may use memories, what a memory may hold, and where its vector lives."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import MemoryRow
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid, NotFound
from resolvers.permissions import require_verified
from resolvers.users.permissions import allows, effective_permissions

TYPES = ("user", "context")
# Memories are short facts about the user. 20,000 characters (about 5,000 tokens) fits
# the window of common embedding models (nomic-embed-text: 8,192 tokens); text past a
# model's window is cut off before embedding, so longer memories would not be found by
# what they say at their end.
MAX_CONTENT = 20_000
MAX_PATH = 1_000
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def collection_for(user_id: str) -> str:
    """Open WebUI's collection name for a user's memories."""
    return f"user-memory-{user_id}"


def embedded_text(row: MemoryRow) -> str:
    """What Open WebUI embeds for a memory: its path, a newline, its content."""
    return f"{row.path}\n{row.content}" if row.path else row.content


def vector_metadata(row: MemoryRow) -> dict[str, Any]:
    return {"created_at": row.created_at, "updated_at": row.updated_at, "type": row.type,
            "path": row.path}


async def require_memories(ctx: Context) -> Viewer:
    """An approved account allowed `features.memories` (administrators always are), while
    memories are switched on (Open WebUI's `memories.enable`, shared through `config`)."""
    viewer = await require_verified(ctx)
    if await ctx.services.config.get(ctx.session, "memories.enable") is False:
        raise NotFound("Memories are switched off on this server.",
                       reason="memories_disabled")
    assert viewer.user is not None
    if viewer.role != "admin" and not allows(await effective_permissions(ctx, viewer.user),
                                             "features.memories"):
        raise Forbidden("This account may not use memories.", reason="memories_forbidden")
    return viewer


def check_content(content: Any) -> str:
    if not isinstance(content, str) or not content.strip():
        raise Invalid("A memory's content must not be empty.", reason="memory_empty",
                      field="content")
    content = content.strip()
    if len(content) > MAX_CONTENT:
        raise Invalid(f"A memory holds at most {MAX_CONTENT} characters.",
                      reason="memory_too_long", field="content")
    return content


def check_type(kind: Any) -> str:
    if kind not in TYPES:
        raise Invalid("A memory's type is 'user' or 'context'.", reason="memory_type",
                      field="type")
    return kind


def check_path(path: Any) -> str | None:
    """Slash-separated names, normalised (no empty, '.' or '..' parts); empty is none."""
    if path is None:
        return None
    if not isinstance(path, str) or len(path) > MAX_PATH or CONTROL.search(path):
        raise Invalid(f"A memory's path is text of up to {MAX_PATH} characters.",
                      reason="memory_path", field="path")
    parts = [part.strip() for part in path.split("/") if part.strip()]
    if any(part in (".", "..") for part in parts):
        raise Invalid("A memory's path may not hold '.' or '..'.", reason="memory_path",
                      field="path")
    return "/".join(parts) or None


def check_read_only(ctx: Context) -> None:
    """Memory writes commit their own transactions; inside another open write (a GraphQL
    operation that also changes something else) SQLite's one write lock may already be
    held by it, and its rollback could not undo them. So they run alone."""
    if ctx.writes:
        raise Invalid("Memory changes commit on their own: send them in an operation "
                      "without other changes.", reason="memory_write_shared")


@asynccontextmanager
async def writing(ctx: Context) -> AsyncIterator[AsyncSession]:
    """A short write transaction of its own, committed on leaving."""
    async with Context(ctx.services).unit_of_work(write=True) as side:
        yield side.session
