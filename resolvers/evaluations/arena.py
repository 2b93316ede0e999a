"""Open WebUI's evaluation settings (the arena models), in its `config` rows."""

from __future__ import annotations

from typing import Any

from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.permissions import require_admin

ENABLE, MODELS = "evaluation.arena.enable", "evaluation.arena.models"


async def get_arena_config(ctx: Context) -> dict[str, Any]:
    """Administrators: whether arena models are offered, and which."""
    await require_admin(ctx)
    values = await ctx.services.config.get_all(ctx.session, fresh=True)
    return {"enabled": values[ENABLE], "models": values[MODELS]}


async def update_arena_config(ctx: Context, *, enabled: bool | None = None,
                              models: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Administrators; what is left None keeps its value."""
    await require_admin(ctx)
    if enabled is not None and not isinstance(enabled, bool):
        raise Invalid("enabled must be true or false.", reason="invalid_setting")
    if models is not None and not (isinstance(models, list)
                                   and all(isinstance(m, dict) for m in models)):
        raise Invalid("The arena models must be a list of objects.", reason="invalid_setting")
    changes: dict[str, Any] = {}
    if enabled is not None:
        changes[ENABLE] = enabled
    if models is not None:
        changes[MODELS] = models
    if changes:
        await ctx.services.config.set(ctx.session, changes)
    return await get_arena_config(ctx)
