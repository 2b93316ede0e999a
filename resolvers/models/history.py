"""Saved versions of a workspace model (Open WebUI's `model_history`).

Each create and each update stores a snapshot of the model's name, base model, params
and meta (without the UI-only `hidden` and `chat_variables_schema`), linked to the
version it was made from; the row's `version_id` names the version in use. Putting an
older version back copies its snapshot onto the row and makes it the version in use.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from data.repos.model_history import ModelHistoryRepo
from data.tables import ModelHistoryRow, ModelRow
from data.tables.base import now_s
from resolvers.context import Context, Viewer
from resolvers.errors import Conflict, Invalid, NotFound

_FIELDS = ("name", "base_model_id", "params", "meta")
_UI_ONLY = ("hidden", "chat_variables_schema")


@dataclass(frozen=True)
class HistoryEntry:
    row: ModelHistoryRow
    author_name: str | None


def snapshot(row: ModelRow) -> dict[str, Any]:
    taken: dict[str, Any] = {name: copy.deepcopy(getattr(row, name)) for name in _FIELDS}
    for name in ("params", "meta"):
        taken[name] = dict(taken[name]) if isinstance(taken[name], dict) else {}
    for name in _UI_ONLY:
        taken["meta"].pop(name, None)
    return taken


async def record_version(ctx: Context, viewer: Viewer, row: ModelRow,
                         commit_message: str | None = None) -> ModelHistoryRow:
    """Store the row as a new version made from the one in use, and put it in use."""
    entry = ModelHistoryRow(id=str(uuid.uuid4()), model_id=row.id, parent_id=row.version_id,
                            snapshot=snapshot(row), user_id=viewer.id,
                            commit_message=commit_message, created_at=now_s())
    await ModelHistoryRepo(ctx.session).add(entry)
    row.version_id = entry.id
    await ctx.session.flush()
    return entry


def check_version(row: ModelRow, expected: str | None) -> None:
    """An edit based on another version than the one in use is refused (409)."""
    if expected is not None and expected != row.version_id:
        raise Conflict("The model changed since this version was read.",
                       reason="version_conflict")


async def list_history(ctx: Context, row: ModelRow, page: int = 1) -> list[HistoryEntry]:
    found = await ModelHistoryRepo(ctx.session).page(row.id, page)
    return [HistoryEntry(entry, name) for entry, name in found]


async def history_entry(ctx: Context, row: ModelRow, history_id: str) -> ModelHistoryRow:
    entry = await ModelHistoryRepo(ctx.session).get(row.id, history_id)
    if entry is None:
        raise NotFound("This model has no such version.", reason="model_version_not_found")
    return entry


async def delete_history_entry(ctx: Context, row: ModelRow, history_id: str) -> bool:
    entry = await history_entry(ctx, row, history_id)
    if entry.id == row.version_id:
        raise Invalid("Cannot delete the current version", reason="current_version")
    await ModelHistoryRepo(ctx.session).remove(entry)
    return True


async def restore_version(ctx: Context, row: ModelRow, history_id: str) -> ModelRow:
    """Put a saved version in use: the row takes its snapshot."""
    entry = await history_entry(ctx, row, history_id)
    taken = entry.snapshot if isinstance(entry.snapshot, dict) else {}
    for name in _FIELDS:
        if name in taken:
            setattr(row, name, copy.deepcopy(taken[name]))
    row.version_id = entry.id
    row.updated_at = now_s()
    await ctx.session.flush()
    return row
