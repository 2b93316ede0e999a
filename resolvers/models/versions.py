"""A workspace model's saved versions, for those who may change the model (its owner,
holders of a write grant, administrators): the versions hold its full params, which
read-only users never see."""

from __future__ import annotations

from data.tables import ModelHistoryRow
from resolvers.context import Context
from resolvers.models import history
from resolvers.models.history import HistoryEntry
from resolvers.models.workspace import WorkspaceModel, with_grants, writable_row


async def list_model_versions(ctx: Context, model_id: str, page: int = 1
                              ) -> list[HistoryEntry]:
    """Newest first, 20 a page, with each author's name."""
    _, row = await writable_row(ctx, model_id)
    return await history.list_history(ctx, row, page)


async def get_model_version(ctx: Context, model_id: str, history_id: str) -> ModelHistoryRow:
    _, row = await writable_row(ctx, model_id)
    return await history.history_entry(ctx, row, history_id)


async def delete_model_version(ctx: Context, model_id: str, history_id: str) -> bool:
    """Any version but the one in use; the versions made from it hang from its parent."""
    _, row = await writable_row(ctx, model_id, lock=True)
    return await history.delete_history_entry(ctx, row, history_id)


async def restore_model_version(ctx: Context, model_id: str, history_id: str, *,
                                expected: str | None = None) -> WorkspaceModel:
    """Put a saved version in use; `expected`, when given, must be the version in use
    now (another: a conflict)."""
    viewer, row = await writable_row(ctx, model_id, lock=True)
    history.check_version(row, expected)
    await history.restore_version(ctx, row, history_id)
    return await with_grants(ctx, row, viewer)
