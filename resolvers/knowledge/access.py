"""Who may read or change a knowledge base: its owner, administrators, and those granted
access (Open WebUI's `access_grant` rows with resource type `knowledge`; `user` + `*`
is everyone signed in). Everyone else is answered as if it did not exist.

    row = await accessible_knowledge(ctx, viewer, kb_id, "write")
    readable = await readable_knowledge_ids(ctx, viewer, ["kb-1", "kb-2"])
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from data.repos.access_grants import AccessGrantRepo
from data.repos.groups import GroupRepo
from data.tables import KnowledgeRow
from resolvers.context import Context, Viewer
from resolvers.errors import NotFound

RESOURCE = "knowledge"


def knowledge_not_found(knowledge_id: str) -> NotFound:
    return NotFound(f"No knowledge base {knowledge_id!r} that you may see.",
                    reason="knowledge_not_found")


async def granted_ids(ctx: Context, viewer: Viewer, permission: str,
                      ids: Sequence[str] | None = None) -> set[str]:
    """Knowledge ids granted to the viewer directly, through a group, or to everyone."""
    groups = (await GroupRepo(ctx.session).ids_for_users([viewer.id])).get(viewer.id, [])
    return await AccessGrantRepo(ctx.session).granted(
        RESOURCE, user_id=viewer.id, group_ids=groups, permission=permission,
        resource_ids=None if ids is None else list(ids))


async def may_access(ctx: Context, viewer: Viewer, row: KnowledgeRow,
                     permission: str = "read") -> bool:
    if viewer.role == "admin" or row.user_id == viewer.id:
        return True
    return row.id in await granted_ids(ctx, viewer, permission, [row.id])


async def accessible_knowledge(ctx: Context, viewer: Viewer, knowledge_id: str,
                               permission: str = "read") -> KnowledgeRow:
    row = await ctx.session.get(KnowledgeRow, knowledge_id)
    if row is None or not await may_access(ctx, viewer, row, permission):
        raise knowledge_not_found(knowledge_id)
    return row


async def readable_knowledge_ids(ctx: Context, viewer: Viewer, ids: Sequence[str],
                                 permission: str = "read") -> set[str]:
    """The subset of `ids` that exist and the viewer may read (or write): two statements
    at most, whatever the number of ids."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return set()
    rows = (await ctx.session.execute(select(KnowledgeRow.id, KnowledgeRow.user_id)
                                      .where(KnowledgeRow.id.in_(wanted)))).all()
    if viewer.role == "admin":
        return {r.id for r in rows}
    mine = {r.id for r in rows if r.user_id == viewer.id}
    others = [r.id for r in rows if r.user_id != viewer.id]
    return mine | (await granted_ids(ctx, viewer, permission, others) if others else set())
