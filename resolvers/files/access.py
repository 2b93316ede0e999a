"""Who may read or change a file: its owner, administrators, and those granted access
(a grant on the file, or read access to a knowledge base that holds it). Everyone else
is answered as if the file did not exist."""

from __future__ import annotations

from sqlalchemy import select

from data.repos.access_grants import AccessGrantRepo
from data.repos.files import FileRepo
from data.repos.groups import GroupRepo
from data.tables import FileRow, KnowledgeRow
from resolvers.context import Context, Viewer
from resolvers.errors import NotFound

RESOURCE = "file"


def file_not_found(file_id: str) -> NotFound:
    return NotFound(f"No file {file_id!r} that you may see.", reason="file_not_found")


async def _granted(ctx: Context, viewer: Viewer, row: FileRow, permission: str) -> bool:
    groups = (await GroupRepo(ctx.session).ids_for_users([viewer.id])).get(viewer.id, [])
    grants = AccessGrantRepo(ctx.session)
    if await grants.granted(RESOURCE, user_id=viewer.id, group_ids=groups,
                            permission=permission, resource_ids=[row.id]):
        return True
    if permission != "read":
        return False
    knowledge_ids = await FileRepo(ctx.session).knowledge_ids(row.id)
    if not knowledge_ids:
        return False
    owned = await ctx.session.execute(select(KnowledgeRow.id).where(
        KnowledgeRow.id.in_(knowledge_ids), KnowledgeRow.user_id == viewer.id).limit(1))
    if owned.first() is not None:
        return True
    return bool(await grants.granted("knowledge", user_id=viewer.id, group_ids=groups,
                                     permission="read", resource_ids=knowledge_ids))


async def may_access(ctx: Context, viewer: Viewer, row: FileRow, permission: str) -> bool:
    if viewer.role == "admin" or row.user_id == viewer.id:
        return True
    return await _granted(ctx, viewer, row, permission)


async def accessible_file(ctx: Context, viewer: Viewer, file_id: str,
                          permission: str = "read") -> FileRow:
    row = await FileRepo(ctx.session).get(file_id)
    if row is None or not await may_access(ctx, viewer, row, permission):
        raise file_not_found(file_id)
    return row
