"""The helper tasks' settings (task model, prompt templates, which tasks run), kept in
Open WebUI's `config` rows. Settings are named as in data.task_settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from data.task_settings import NULLABLE, TASK_SETTINGS
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.permissions import require_admin, require_verified


async def read_task_config(ctx: Context, *, fresh: bool = False) -> dict[str, Any]:
    values = await ctx.services.config.get_all(ctx.session, fresh=fresh)
    return {name: values[key] for name, (key, _) in TASK_SETTINGS.items()}


async def get_task_config(ctx: Context) -> dict[str, Any]:
    """Verified users (clients read it to know which helper tasks to ask for)."""
    await require_verified(ctx)
    return await read_task_config(ctx, fresh=True)


def _check(name: str, value: Any) -> None:
    if value is None and name in NULLABLE:
        return
    default = TASK_SETTINGS[name][1]
    wanted = type(default)
    if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
        kind = {bool: "true or false", int: "a whole number", dict: "an object",
                str: "a string"}[wanted]
        raise Invalid(f"{name} must be {kind}.", reason="invalid_setting", field=name)


async def update_task_config(ctx: Context, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Administrators. `changes` holds any settings by name; the others keep their
    values. Every value is checked before any is written."""
    await require_admin(ctx)
    unknown = changes.keys() - TASK_SETTINGS.keys()
    if unknown:
        raise Invalid(f"Unknown settings: {', '.join(sorted(unknown))}.",
                      reason="invalid_setting")
    for name, value in changes.items():
        _check(name, value)
    await ctx.services.config.set(
        ctx.session, {TASK_SETTINGS[name][0]: value for name, value in changes.items()})
    return await read_task_config(ctx, fresh=True)
