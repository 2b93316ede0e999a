"""An upload whose metadata names a knowledge base (Open WebUI's `knowledge_id` in the
upload form's `metadata`): write access to it is checked before the bytes are stored,
and the file joins it once its processing completes. Joining goes through the
knowledge resolvers' add_file as the uploader, with their rights at that moment; if it
fails, the reason is the file's `data.error` (its status stays completed: the file
itself is fine and can be added by hand)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from data.repos.knowledge import KnowledgeRepo
from data.tables import FileRow, UserRow
from resolvers.context import Context, Services, Viewer
from resolvers.errors import DomainError, Invalid

log = logging.getLogger("parley.files")
KEY = "knowledge_id"
MAX_ID = 255


def knowledge_id_of(metadata: Mapping[str, Any] | None) -> str | None:
    """The knowledge base the upload's metadata names, if any; a malformed one is
    Invalid."""
    value = (metadata or {}).get(KEY)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_ID:
        raise Invalid("metadata.knowledge_id names a knowledge base by its id.",
                      reason="invalid_knowledge", field="metadata")
    return value


async def check_knowledge_target(ctx: Context, metadata: Mapping[str, Any] | None, *,
                                 process: bool) -> None:
    """Before an upload is stored: the caller may write to the knowledge base it names
    (else the knowledge resolvers' not-found), and it will be processed (only a
    processed file's chunks can join a knowledge base)."""
    knowledge_id = knowledge_id_of(metadata)
    if knowledge_id is None:
        return
    if not process:
        raise Invalid("A file joins metadata.knowledge_id once processed: upload it "
                      "with processing on.", reason="invalid_knowledge", field="metadata")
    from resolvers.knowledge.files import writable_knowledge  # it imports resolvers.files

    await writable_knowledge(ctx, knowledge_id)


async def join_knowledge(services: Services, row: FileRow) -> str | None:
    """After processing completed: link the file to the knowledge base its upload named
    (once: a file already there stays as it is). The reason it could not, or None."""
    from resolvers.knowledge.files import add_file  # it imports resolvers.files

    ctx = Context(services)
    try:
        knowledge_id = knowledge_id_of(_upload_metadata(row))
        if knowledge_id is None:
            return None
        async with ctx.unit_of_work():
            user = await ctx.session.get(UserRow, row.user_id)
            if user is None:
                return "The uploader's account is gone."
            ctx.viewer_cache = (Viewer(user=user, via="session", token=""),)
            if await KnowledgeRepo(ctx.session).linked_ids(knowledge_id, [row.id]):
                return None
            await add_file(ctx, knowledge_id, row.id)
    except DomainError as error:
        return f"Not added to the knowledge base: {error.message}"
    return None


def _upload_metadata(row: FileRow) -> Mapping[str, Any] | None:
    data = (row.meta or {}).get("data") if isinstance(row.meta, dict) else None
    return data if isinstance(data, Mapping) else None
