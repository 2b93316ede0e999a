"""The parts of a knowledge base the caller has already read (listed or fetched), loaded
through the unit of work's dataloaders: a page of knowledge bases with their owners,
files, counts and grants costs the same few statements whatever its size."""

from __future__ import annotations

import asyncio

from data.tables import AccessGrantRow, FileRow, UserRow
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.loaders import loaders

MAX_FILES = 100


async def knowledge_owner(ctx: Context, owner_id: str) -> UserRow | None:
    return await loaders(ctx).users.load(owner_id)


def check_window(offset: int, limit: int) -> None:
    if offset < 0 or not 0 <= limit <= MAX_FILES:
        raise Invalid(f"Pages hold 0 to {MAX_FILES} files from offset 0 on.",
                      reason="invalid_page", field="first")


async def knowledge_files(ctx: Context, knowledge_id: str, *, offset: int, limit: int
                          ) -> tuple[list[FileRow], int]:
    """A window of its files, most recently added first, and how many it has: both
    loads are made together, so a page's windows and counts are one batch each."""
    check_window(offset, limit)
    window, total = await asyncio.gather(
        loaders(ctx).knowledge_files.load((knowledge_id, offset, limit)),
        loaders(ctx).knowledge_file_count.load(knowledge_id))
    return window, total


async def knowledge_file_count(ctx: Context, knowledge_id: str) -> int:
    return await loaders(ctx).knowledge_file_count.load(knowledge_id)


async def knowledge_grants(ctx: Context, knowledge_id: str) -> list[AccessGrantRow]:
    return await loaders(ctx).knowledge_grants.load(knowledge_id)
