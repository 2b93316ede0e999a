"""What every knowledge resolver checks: the caller's access (told apart by reason, so
each surface answers as its dialect does), names, grants, and the short write
transactions of the resolvers that also write vectors.

Writes that touch the knowledge base's collection (delete, reset, file membership)
commit their own transactions, as the memories do: the vector store writes in
transactions of its own, which on SQLite could not start while the operation held the
write lock. So those run inside a *read* unit of work, and are refused inside a write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from data.repos.access_grants import EVERYONE, AccessGrantRepo, Grant
from data.repos.knowledge import KnowledgeRepo
from data.tables import AccessGrantRow, FileRow, KnowledgeRow
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid, NotFound
from resolvers.input_rules import check_text
from resolvers.knowledge.access import RESOURCE, granted_ids, may_access
from resolvers.users.permissions import allows, effective_permissions

MAX_NAME = 255
MAX_ID = 255
MAX_DESCRIPTION = 10_000


@dataclass(frozen=True)
class KnowledgeBase:
    """A knowledge base as an answer shows it; `files` when the answer carries them."""

    row: KnowledgeRow
    grants: tuple[AccessGrantRow, ...]
    write_access: bool
    files: tuple[FileRow, ...] | None = None


def not_found(knowledge_id: str) -> NotFound:
    return NotFound(f"No knowledge base {knowledge_id!r}.", reason="knowledge_not_found")


async def knowledge_for(ctx: Context, viewer: Viewer, knowledge_id: str,
                        permission: str = "read") -> KnowledgeRow:
    """The row if the viewer may read it (or write it). A knowledge base the viewer may
    not read is NOT_FOUND (`knowledge_access_denied`); one they read but may not change
    is FORBIDDEN (`knowledge_write_denied`)."""
    row = await KnowledgeRepo(ctx.session).get(knowledge_id) if plain_id(knowledge_id) else None
    if row is None:
        raise not_found(knowledge_id)
    if await may_access(ctx, viewer, row, permission):
        return row
    if permission == "write" and await may_access(ctx, viewer, row, "read"):
        raise Forbidden("You may read this knowledge base but not change it.",
                        reason="knowledge_write_denied")
    raise NotFound(f"No knowledge base {knowledge_id!r} that you may see.",
                   reason="knowledge_access_denied")


def plain_id(value: object) -> bool:
    """Whether `value` can name a row at all: ids from paths and bodies are looked up
    only then (PostgreSQL refuses NUL in text, which would otherwise be a 500)."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and "\x00" not in value


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("A knowledge base needs a name.", reason="invalid_knowledge",
                      field="name")
    if len(name) > MAX_NAME:
        raise Invalid(f"A name has at most {MAX_NAME} characters.",
                      reason="invalid_knowledge", field="name")
    return check_text(name.strip(), "name")


def check_description(description: object) -> str:
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise Invalid(f"A description is text of at most {MAX_DESCRIPTION} characters.",
                      reason="invalid_knowledge", field="description")
    return check_text(description, "description")


async def allowed_grants(ctx: Context, viewer: Viewer, grants: tuple[Grant, ...]
                         ) -> tuple[Grant, ...]:
    """Administrators grant anything; others need Open WebUI's `sharing.knowledge`
    (and `sharing.public_knowledge` to share with everyone); other grants are dropped."""
    if viewer.role == "admin":
        return grants
    permissions = await effective_permissions(ctx, viewer.user)
    if not allows(permissions, "sharing.knowledge"):
        return ()
    public = allows(permissions, "sharing.public_knowledge")
    return tuple(g for g in grants if public or g.principal_id != EVERYONE)


async def write_access(ctx: Context, viewer: Viewer, rows: list[KnowledgeRow]) -> set[str]:
    """The ids among `rows` the viewer may change: two statements at most."""
    if viewer.role == "admin":
        return {row.id for row in rows}
    mine = {row.id for row in rows if row.user_id == viewer.id}
    others = [row.id for row in rows if row.user_id != viewer.id]
    return mine | (await granted_ids(ctx, viewer, "write", others) if others else set())


async def view(ctx: Context, viewer: Viewer, row: KnowledgeRow, *,
               with_files: bool = False) -> KnowledgeBase:
    grants = (await AccessGrantRepo(ctx.session).for_resources(RESOURCE, [row.id])).get(row.id)
    files = None
    if with_files:
        files = tuple(linked.file for linked in await KnowledgeRepo(ctx.session).files_page(
            row.id))
    return KnowledgeBase(row, tuple(grants or ()), bool(await write_access(ctx, viewer, [row])),
                         files)


def check_read_only(ctx: Context) -> None:
    if ctx.writes:
        raise Invalid("Changes to a knowledge base's files commit on their own: send them "
                      "in an operation without other changes.", reason="knowledge_write_shared")


@asynccontextmanager
async def writing(ctx: Context) -> AsyncIterator[Context]:
    """A short write transaction of its own for the same caller, committed on leaving
    (with its after-commit work); what it reads sees its own writes."""
    side = Context(ctx.services, ctx.credentials)
    side.viewer_cache = ctx.viewer_cache
    async with side.unit_of_work(write=True):
        yield side
