"""Function records: Open WebUI's `function` rows and their history. Administrators
write them; approved accounts may list them (without code). A module is checked in a
worker (compiles, defines Pipe/Filter/Action) before anything is written, and its type
and front matter come from that check and its docstring."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from data.repos.functions import FunctionRepo
from data.tables import FunctionHistoryRow, FunctionRow, UserRow
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.errors import Conflict, Invalid, NotFound
from resolvers.functions.manifest import front_matter
from resolvers.functions.sandbox import check_source
from resolvers.permissions import require_admin, require_verified

MAX_ID = 256


@dataclass(frozen=True)
class FunctionInput:
    """A create or an update; on update the id is the stored one."""

    id: str
    name: str
    content: str
    meta: dict[str, Any] = field(default_factory=dict)
    commit_message: str | None = None


def not_found() -> NotFound:
    return NotFound("No such function.", reason="function_not_found")


def enabled(ctx: Context) -> bool:
    return ctx.settings.functions.enabled


async def list_functions(ctx: Context) -> Sequence[FunctionRow]:
    """Approved accounts: every function, oldest first (surfaces leave out the code)."""
    await require_verified(ctx)
    if not enabled(ctx):
        return []
    return await FunctionRepo(ctx.session).all()


async def list_functions_with_owners(ctx: Context
                                     ) -> tuple[Sequence[FunctionRow], dict[str, UserRow]]:
    """Administrators: every function and the accounts that wrote them."""
    await require_admin(ctx)
    if not enabled(ctx):
        return [], {}
    repo = FunctionRepo(ctx.session)
    rows = await repo.all()
    return rows, await repo.owners([row.user_id for row in rows if row.user_id])


async def get_function(ctx: Context, function_id: str) -> FunctionRow:
    """Administrators: one function with its code."""
    await require_admin(ctx)
    row = await FunctionRepo(ctx.session).get(function_id)
    if row is None:
        raise not_found()
    return row


async def peek_function(ctx: Context, function_id: str) -> FunctionRow:
    """A function read in a short read transaction of its own, for work done before the
    caller's first statement (a worker call must not run under SQLite's write lock)."""
    async with Context(ctx.services).unit_of_work() as side:
        row = await FunctionRepo(side.session).get(function_id)
        if row is not None:
            side.session.expunge(row)  # keeps its loaded values past the session
    if row is None:
        raise not_found()
    return row


def _checked_input(data: FunctionInput) -> FunctionInput:
    if not isinstance(data.content, str) or not data.content.strip():
        raise Invalid("A function needs its Python code.", reason="function_content_empty",
                      field="content")
    if not isinstance(data.name, str) or not data.name.strip():
        raise Invalid("A function needs a name.", reason="function_name_empty", field="name")
    if not isinstance(data.meta, dict):
        raise Invalid("meta must be an object.", reason="invalid_meta", field="meta")
    return data


def _meta(data: FunctionInput) -> dict[str, Any]:
    return {**data.meta, "manifest": front_matter(data.content)}


async def _record_history(ctx: Context, row: FunctionRow, user_id: str,
                          commit_message: str | None) -> None:
    history = FunctionHistoryRow(
        id=str(uuid.uuid4()), function_id=row.id, parent_id=row.version_id,
        snapshot={"name": row.name, "type": row.type, "content": row.content,
                  "meta": row.meta},
        user_id=user_id, commit_message=commit_message, created_at=now_s())
    await FunctionRepo(ctx.session).add_history(history)
    row.version_id = history.id


async def create_function(ctx: Context, data: FunctionInput) -> FunctionRow:
    """Administrators. The id is lower-cased and must be a Python identifier; the new
    function is inactive and not global. Writes a history snapshot."""
    viewer = await require_admin(ctx)
    data = _checked_input(data)
    function_id = data.id.lower() if isinstance(data.id, str) else ""
    if not function_id.isidentifier() or len(function_id) > MAX_ID:
        raise Invalid("Only alphanumeric characters and underscores are allowed in the id",
                      reason="function_id_invalid", field="id")
    checked = await check_source(ctx, data.content)  # before the first statement
    repo = FunctionRepo(ctx.session)
    if await repo.get(function_id) is not None:
        raise Conflict("A function with this id exists.", reason="id_taken", field="id")
    now = now_s()
    row = FunctionRow(id=function_id, user_id=viewer.id, name=data.name, type=checked.type,
                      content=data.content, meta=_meta(data), valves=None, is_active=False,
                      is_global=False, created_at=now, updated_at=now)
    await repo.add(row)
    await _record_history(ctx, row, viewer.id, data.commit_message)
    return row


async def update_function(ctx: Context, function_id: str, data: FunctionInput
                          ) -> FunctionRow:
    """Administrators: new code, name and meta (the type follows the code). Writes a
    history snapshot."""
    viewer = await require_admin(ctx)
    data = _checked_input(data)
    checked = await check_source(ctx, data.content)
    row = await FunctionRepo(ctx.session).get_for_update(function_id)
    if row is None:
        raise not_found()
    row.name, row.content, row.type = data.name, data.content, checked.type
    row.meta = _meta(data)
    row.updated_at = now_s()
    await _record_history(ctx, row, viewer.id, data.commit_message)
    return row


async def delete_function(ctx: Context, function_id: str) -> bool:
    """Administrators; its history goes with it. False when there was none."""
    await require_admin(ctx)
    return await FunctionRepo(ctx.session).delete(function_id)


async def toggle_function(ctx: Context, function_id: str, *, field_name: str = "is_active"
                          ) -> FunctionRow:
    """Administrators: flip `is_active` (or `is_global`)."""
    await require_admin(ctx)
    row = await FunctionRepo(ctx.session).get_for_update(function_id)
    if row is None:
        raise not_found()
    setattr(row, field_name, not getattr(row, field_name))
    row.updated_at = now_s()
    return row


async def function_history(ctx: Context, function_id: str) -> Sequence[FunctionHistoryRow]:
    """Administrators: a function's snapshots, newest first: down the parent chain from
    the current version (timestamps are whole seconds and tie), then any others."""
    row = await get_function(ctx, function_id)
    found = {h.id: h for h in await FunctionRepo(ctx.session).history(function_id)}
    ordered, at = [], row.version_id
    while at in found:
        ordered.append(found.pop(at))
        at = ordered[-1].parent_id
    return ordered + list(found.values())


async def content_for_viewer(ctx: Context, row: FunctionRow) -> str | None:
    """A function's code for an administrator; None for anyone else."""
    viewer = await require_verified(ctx)
    return row.content if viewer.role == "admin" else None
