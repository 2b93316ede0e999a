"""Knowledge bases: listing and searching them, and creating, reading, changing, sharing,
resetting and deleting one, over Open WebUI's `knowledge` rows and `access_grant`.

Everyone needs an approved account. A list shows the caller's own knowledge bases and
those granted to them (administrators see all); creating one needs the
`workspace.knowledge` permission (administrators need none); changing one needs write
access (owner, write grant, administrator). Delete and reset commit on their own
(resolvers/knowledge/rules.py): call them inside a read unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from data.repos.access_grants import AccessGrantRepo, Grant
from data.repos.groups import GroupRepo
from data.repos.knowledge import ORDERS, KnowledgeRepo, Visibility
from data.repos.users import UserRepo
from data.tables import AccessGrantRow, KnowledgeRow, UserRow
from data.tables.base import now_s
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid
from resolvers.knowledge.access import RESOURCE
from resolvers.knowledge.rules import (
    KnowledgeBase,
    allowed_grants,
    check_description,
    check_name,
    check_read_only,
    knowledge_for,
    not_found,
    view,
    write_access,
    writing,
)
from resolvers.permissions import require_verified
from resolvers.retrieval.chunks import delete_collection
from resolvers.users.permissions import allows, effective_permissions

MAX_PAGE = 100
MAX_QUERY = 1000


@dataclass(frozen=True)
class KnowledgeCreate:
    name: str
    description: str = ""
    access_grants: tuple[Grant, ...] | None = None


@dataclass(frozen=True)
class KnowledgeUpdate:
    """None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    access_grants: tuple[Grant, ...] | None = None


@dataclass(frozen=True)
class KnowledgeFilter:
    query: str | None = None
    mine: bool | None = None  # True: own only; False: shared with the caller only
    order: str = "updated_at"  # name, created_at or updated_at
    descending: bool = True


@dataclass(frozen=True)
class KnowledgeEntry:
    row: KnowledgeRow
    write_access: bool


@dataclass(frozen=True)
class KnowledgePage:
    entries: list[KnowledgeEntry]
    total: int


@dataclass(frozen=True)
class KnowledgeDetails:
    """What Open WebUI's list adds to each entry, read for a whole page at once."""

    grants: dict[str, list[AccessGrantRow]]
    file_counts: dict[str, int]
    owners: dict[str, UserRow]


async def _visibility(ctx: Context, viewer: Viewer, mine: bool | None) -> Visibility:
    if viewer.role == "admin":
        return Visibility(None) if mine is None else Visibility(viewer.id, (), mine, True)
    groups = (await GroupRepo(ctx.session).ids_for_users([viewer.id])).get(viewer.id, [])
    return Visibility(viewer.id, tuple(groups), mine)


async def list_knowledge(ctx: Context, filter: KnowledgeFilter = KnowledgeFilter(), *,
                         offset: int = 0, limit: int = 30) -> KnowledgePage:
    """The knowledge bases the caller may see, newest change first by default."""
    viewer = await require_verified(ctx)
    if offset < 0 or not 0 <= limit <= MAX_PAGE:
        raise Invalid(f"Pages hold 0 to {MAX_PAGE} knowledge bases from offset 0 on.",
                      reason="invalid_page")
    if filter.order not in ORDERS:
        raise Invalid(f"Order by one of {', '.join(ORDERS)}.", reason="invalid_knowledge",
                      field="order_by")
    if filter.query is not None and len(filter.query) > MAX_QUERY:
        raise Invalid(f"A query has at most {MAX_QUERY} characters.",
                      reason="invalid_knowledge", field="query")
    seen = await _visibility(ctx, viewer, filter.mine)
    repo = KnowledgeRepo(ctx.session)
    total = await repo.count(seen, search=filter.query)
    rows = list(await repo.page(seen, search=filter.query, offset=offset, limit=limit,
                                order=filter.order, descending=filter.descending)) \
        if limit and offset < total else []
    writable = await write_access(ctx, viewer, rows)
    return KnowledgePage([KnowledgeEntry(row, row.id in writable) for row in rows], total)


async def knowledge_details(ctx: Context, rows: Sequence[KnowledgeRow]) -> KnowledgeDetails:
    """Grants, file counts and owners of knowledge bases the caller has listed: three
    statements whatever their number."""
    ids = [row.id for row in rows]
    grants = await AccessGrantRepo(ctx.session).for_resources(RESOURCE, ids)
    counts = await KnowledgeRepo(ctx.session).file_counts(ids) if ids else {}
    owners = await UserRepo(ctx.session).by_ids(list({row.user_id for row in rows}))
    return KnowledgeDetails(grants, counts, {user.id: user for user in owners})


async def get_knowledge(ctx: Context, knowledge_id: str) -> KnowledgeBase:
    """Its owner, administrators, and those granted read access."""
    viewer = await require_verified(ctx)
    return await view(ctx, viewer, await knowledge_for(ctx, viewer, knowledge_id))


async def create_knowledge(ctx: Context, data: KnowledgeCreate) -> KnowledgeBase:
    """Administrators, and users with the `workspace.knowledge` permission. Grants the
    caller may not give (see allowed_grants) are dropped."""
    viewer = await require_verified(ctx)
    if viewer.role != "admin" and not allows(await effective_permissions(ctx, viewer.user),
                                             "workspace.knowledge"):
        raise Forbidden("You may not create knowledge bases.",
                        reason="workspace_knowledge_denied")
    now = now_s()
    row = KnowledgeRow(id=str(uuid.uuid4()), user_id=viewer.id, name=check_name(data.name),
                       description=check_description(data.description), meta=None,
                       created_at=now, updated_at=now)
    await KnowledgeRepo(ctx.session).add(row)
    if data.access_grants:
        await AccessGrantRepo(ctx.session).replace(
            RESOURCE, row.id, await allowed_grants(ctx, viewer, data.access_grants))
    return await view(ctx, viewer, row)


async def update_knowledge(ctx: Context, knowledge_id: str, changes: KnowledgeUpdate
                           ) -> KnowledgeBase:
    """Its owner, holders of a write grant, and administrators; the answer lists its
    files."""
    viewer = await require_verified(ctx)
    name = None if changes.name is None else check_name(changes.name)
    description = None if changes.description is None else check_description(
        changes.description)
    row = await knowledge_for(ctx, viewer, knowledge_id, "write")
    if name is not None:
        row.name = name
    if description is not None:
        row.description = description
    row.updated_at = now_s()
    if changes.access_grants is not None:
        await AccessGrantRepo(ctx.session).replace(
            RESOURCE, row.id, await allowed_grants(ctx, viewer, changes.access_grants))
    await ctx.session.flush()
    return await view(ctx, viewer, row, with_files=True)


async def update_knowledge_access(ctx: Context, knowledge_id: str,
                                  grants: tuple[Grant, ...]) -> KnowledgeBase:
    """Replace who may read or change it; writers of the knowledge base may."""
    return await update_knowledge(ctx, knowledge_id, KnowledgeUpdate(access_grants=grants))


async def delete_knowledge(ctx: Context, knowledge_id: str) -> bool:
    """Writers: its collection first (a store that fails leaves everything as it was),
    then in one transaction its row, file links and grants, and its place in models'
    `meta.knowledge`. The files themselves stay."""
    check_read_only(ctx)
    viewer = await require_verified(ctx)
    await knowledge_for(ctx, viewer, knowledge_id, "write")
    await delete_collection(ctx, knowledge_id)
    async with writing(ctx) as side:
        repo = KnowledgeRepo(side.session)
        if await repo.get(knowledge_id) is None:  # deleted meanwhile
            raise not_found(knowledge_id)
        await repo.drop_from_models(knowledge_id)
        await repo.delete(knowledge_id)
    return True


async def reset_knowledge(ctx: Context, knowledge_id: str) -> KnowledgeBase:
    """Writers: empty it (its collection, then its file links); the files stay."""
    check_read_only(ctx)
    viewer = await require_verified(ctx)
    await knowledge_for(ctx, viewer, knowledge_id, "write")
    await delete_collection(ctx, knowledge_id)
    async with writing(ctx) as side:
        repo = KnowledgeRepo(side.session)
        row = await repo.get(knowledge_id)
        if row is None:
            raise not_found(knowledge_id)
        await repo.unlink(knowledge_id)
        row.updated_at = now_s()
        return await view(side, viewer, row, with_files=True)
