"""Valves: a function's settings (its `Valves` class) kept in `function.valves`, sealed
with the server secret in Open WebUI's format; and each person's own `UserValves`, kept
in their `user.settings.functions.valves.<id>` as Open WebUI keeps them. Values are
checked against the module's pydantic classes in a worker. Only administrators ever
read a function's valves: they hold API keys."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any

from data.functions.valves_cipher import ValvesCipher, ValvesUnreadable
from data.repos.functions import FunctionRepo
from data.repos.users import UserRepo
from data.tables import FunctionRow
from data.tables.base import now_s
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound, UpstreamFailed
from resolvers.functions.records import get_function, not_found, peek_function
from resolvers.functions.sandbox import call_once, check_source
from resolvers.permissions import require_admin, require_verified

log = logging.getLogger("parley.functions")


@functools.lru_cache(maxsize=4)
def _cipher(secret: str, encrypt: bool) -> ValvesCipher:
    return ValvesCipher(secret, encrypt=encrypt)


def cipher(ctx: Context) -> ValvesCipher:
    return _cipher(ctx.settings.secret_key, ctx.settings.functions.valve_encryption)


def read_valves(ctx: Context, row: FunctionRow) -> dict[str, Any]:
    """The stored valves; ones sealed under another secret read as none (as Open WebUI
    reads them), with a warning."""
    try:
        return cipher(ctx).open(row.valves)
    except ValvesUnreadable as error:
        log.warning("function %s: %s", row.id, error)
        return {}


async def _validated(ctx: Context, row: FunctionRow, kind: str, values: Any) -> dict:
    if not isinstance(values, dict):
        raise Invalid("Valves are a JSON object.", reason="invalid_valves")
    values = {k: v for k, v in values.items() if v is not None}
    try:
        return await call_once(ctx, row.id, row.content or "", kind, body=values)
    except UpstreamFailed as error:
        if error.reason == "function_missing":
            raise not_found() from None
        raise Invalid(error.message, reason="invalid_valves") from None


async def get_valves(ctx: Context, function_id: str) -> dict[str, Any]:
    """Administrators."""
    return read_valves(ctx, await get_function(ctx, function_id))


async def valves_spec(ctx: Context, function_id: str, *, user: bool = False
                      ) -> dict[str, Any] | None:
    """The JSON schema of the module's Valves (or UserValves), None without one.
    Administrators; approved accounts for UserValves."""
    await (require_verified(ctx) if user else require_admin(ctx))
    row = await peek_function(ctx, function_id)
    checked = await check_source(ctx, row.content or "")
    return checked.user_valves_spec if user else checked.valves_spec


async def update_valves(ctx: Context, function_id: str, values: Any) -> dict[str, Any]:
    """Administrators: checked by the module's Valves class, then sealed and stored."""
    await require_admin(ctx)
    checked = await _validated(ctx, await peek_function(ctx, function_id), "Valves", values)
    row = await FunctionRepo(ctx.session).get_for_update(function_id)
    if row is None:
        raise not_found()
    row.valves = cipher(ctx).seal(checked)
    row.updated_at = now_s()
    return checked


async def _readable(ctx: Context, function_id: str) -> FunctionRow:
    await require_verified(ctx)
    row = await FunctionRepo(ctx.session).get(function_id)
    if row is None:
        raise not_found()
    return row


def _own_valves(settings: Any, function_id: str) -> dict[str, Any]:
    found = (settings or {}).get("functions", {}) if isinstance(settings, dict) else {}
    found = found.get("valves", {}) if isinstance(found, dict) else {}
    value = found.get(function_id) if isinstance(found, dict) else None
    return value if isinstance(value, dict) else {}


async def get_user_valves(ctx: Context, function_id: str) -> dict[str, Any]:
    """Approved accounts: their own values for the function's UserValves."""
    viewer = await require_verified(ctx)
    await _readable(ctx, function_id)
    user = await UserRepo(ctx.session).get(viewer.id)
    return _own_valves(user.settings if user else None, function_id)


async def update_user_valves(ctx: Context, function_id: str, values: Any) -> dict[str, Any]:
    """Approved accounts, their own; the function must be active."""
    viewer = await require_verified(ctx)
    row = await peek_function(ctx, function_id)
    if not row.is_active:
        raise Invalid("The function is not active.", reason="function_inactive")
    checked = await _validated(ctx, row, "UserValves", values)
    user = await UserRepo(ctx.session).get(viewer.id)
    if user is None:
        raise NotFound("No such user.", reason="user_not_found")
    settings = dict(user.settings) if isinstance(user.settings, dict) else {}
    section = dict(settings.get("functions") or {})
    section["valves"] = {**(section.get("valves") or {}), function_id: checked}
    user.settings = {**settings, "functions": section}
    return checked


async def export_functions(ctx: Context, *, include_valves: bool = False
                           ) -> Sequence[tuple[FunctionRow, dict[str, Any] | None]]:
    """Administrators: every function with its code, and its valves opened if asked."""
    await require_admin(ctx)
    rows = await FunctionRepo(ctx.session).all()
    return [(row, read_valves(ctx, row) if include_valves else None) for row in rows]



async def valves_for_viewer(ctx: Context, row: FunctionRow) -> dict[str, Any] | None:
    """A function's valves for an administrator; None for anyone else (they hold
    secrets such as API keys)."""
    viewer = await require_verified(ctx)
    return read_valves(ctx, row) if viewer.role == "admin" else None
