"""Files named in chats and messages (Open WebUI's `files` items: `{type: "file", id}`,
`{file: {id}}`, and knowledge bases as `{type: "collection", id}`): reading them back as
File rows, and refusing a write that names one its writer may not read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from data.tables import FileRow
from resolvers.context import Context, Viewer
from resolvers.errors import NotFound
from resolvers.files.access import file_not_found, may_access
from resolvers.knowledge.access import knowledge_not_found, readable_knowledge_ids
from resolvers.loaders import load_many, loaders, serial
from resolvers.permissions import require_verified

MAX_CHECKED = 1000  # documents a single write may newly name


def named_ids(items: Any) -> tuple[list[str], list[str]]:
    """(file ids, knowledge ids) among file items, in order, each once; anything else in
    the list (images, URLs, malformed entries) is not a stored document and is skipped."""
    files: dict[str, None] = {}
    knowledge: dict[str, None] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        nested = item.get("file") if isinstance(item.get("file"), Mapping) else {}
        kind = item.get("type")
        ref = item.get("id") or nested.get("id")
        if not isinstance(ref, str) or not ref:
            continue
        if kind == "collection":
            knowledge[ref] = None
        elif kind == "file" or (kind is None and nested):
            files[ref] = None
    return list(files), list(knowledge)


def documents_in(nodes: Iterable[Any]) -> tuple[set[str], set[str]]:
    """Every file and knowledge id named by these messages (or chat blobs) `files`."""
    files: set[str] = set()
    knowledge: set[str] = set()
    for node in nodes:
        if isinstance(node, Mapping):
            found = named_ids(node.get("files"))
            files.update(found[0])
            knowledge.update(found[1])
    return files, knowledge


async def refuse_unreadable(ctx: Context, viewer: Viewer, file_ids: Iterable[str],
                            knowledge_ids: Iterable[str] = ()) -> None:
    """NotFound (as if missing) for the first file or knowledge base the viewer may not
    read; a missing one alike, so that a refusal tells nothing of others' documents."""
    file_ids, knowledge_ids = sorted(set(file_ids)), sorted(set(knowledge_ids))
    if len(file_ids) + len(knowledge_ids) > MAX_CHECKED:
        raise NotFound(f"At most {MAX_CHECKED} new documents may be named at once.",
                       reason="file_not_found")
    rows = await load_many(loaders(ctx).files, file_ids)
    for file_id, row in zip(file_ids, rows, strict=True):
        if row is None or not await _readable(ctx, viewer, row):
            raise file_not_found(file_id)
    if knowledge_ids:
        async with serial(ctx):
            readable = await readable_knowledge_ids(ctx, viewer, knowledge_ids)
        for knowledge_id in knowledge_ids:
            if knowledge_id not in readable:
                raise knowledge_not_found(knowledge_id)


async def attached_files(ctx: Context, items: Any) -> list[FileRow]:
    """The files a message names, as File rows, in order; ones that are gone or that the
    caller may not read are left out."""
    viewer = await require_verified(ctx)
    file_ids, _ = named_ids(items)
    rows = await load_many(loaders(ctx).files, file_ids)
    return [row for row in rows if row is not None and await _readable(ctx, viewer, row)]


async def _readable(ctx: Context, viewer: Viewer, row: FileRow) -> bool:
    if viewer.role == "admin" or row.user_id == viewer.id:
        return True  # no statement: the common case on a page of messages
    async with serial(ctx):
        return await may_access(ctx, viewer, row, "read")
