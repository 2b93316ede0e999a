"""Image generation settings (Open WebUI's names, kept in its `config` rows): the
engine, its URL, key and defaults. Administrators only; keys are write-only: they are
shown masked, and the mask sent back keeps the stored key. Engine URLs follow the engine
URL rule (data/engines/urls.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from data.engines.comfyui import WorkflowError, parse_workflow
from data.engines.image_settings import (
    EDIT_ENGINES,
    ENGINES,
    IMAGE_SETTINGS,
    SECRET_SETTINGS,
)
from data.engines.urls import EngineUrlRefused, check_engine_url
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.permissions import require_admin

MASK = "********"
SIZE = re.compile(r"(auto|[1-9]\d{1,4}x[1-9]\d{1,4})")
SETTING_NAMES = frozenset(IMAGE_SETTINGS)
URL_SETTINGS = ("IMAGES_OPENAI_API_BASE_URL", "AUTOMATIC1111_BASE_URL", "COMFYUI_BASE_URL",
                "IMAGES_EDIT_OPENAI_API_BASE_URL")


async def read_image_config(ctx: Context, *, fresh: bool = False) -> dict[str, Any]:
    """Every setting by name, keys in clear: for the resolvers, never for a surface."""
    values = await ctx.services.config.get_all(ctx.session, fresh=fresh)
    return {name: values[key] for name, (key, _) in IMAGE_SETTINGS.items()}


def masked(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {name: (MASK if name in SECRET_SETTINGS and value else value)
            for name, value in settings.items()}


async def get_image_config(ctx: Context) -> dict[str, Any]:
    """Administrators: the settings, keys masked."""
    await require_admin(ctx)
    return masked(await read_image_config(ctx, fresh=True))


def _fail(name: str, message: str) -> Invalid:
    return Invalid(f"{name}: {message}", reason="invalid_setting", field=name)


def _checked(ctx: Context, name: str, value: Any) -> Any:
    default = IMAGE_SETTINGS[name][1]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _fail(name, "expected true or false.")
    elif isinstance(default, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)  # Open WebUI's form sends steps as text
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
            raise _fail(name, "expected a whole number from 1 to 1000.")
    elif isinstance(default, dict | list):
        if not isinstance(value, type(default)):
            kind = "object" if isinstance(default, dict) else "list"
            raise _fail(name, f"expected a JSON {kind}.")
    elif not isinstance(value, str):
        raise _fail(name, "expected text.")
    if name in URL_SETTINGS and value:
        try:
            value = check_engine_url(value, ctx.settings.engine_urls_allow_link_local)
        except EngineUrlRefused as error:
            raise _fail(name, str(error)) from None
    if name == "IMAGE_GENERATION_ENGINE" and value not in (*ENGINES, ""):
        raise _fail(name, f"expected one of {', '.join(ENGINES)}.")
    if name == "IMAGE_EDIT_ENGINE" and value not in EDIT_ENGINES:
        raise _fail(name, f"expected one of {', '.join(EDIT_ENGINES)}.")
    if name == "IMAGE_EDIT_SIZE" and value and not SIZE.fullmatch(value):
        raise _fail(name, 'expected "WIDTHxHEIGHT" (e.g. 512x512) or "auto".')
    if name == "IMAGE_SIZE" and not SIZE.fullmatch(value):
        raise _fail(name, 'expected "WIDTHxHEIGHT" (e.g. 512x512) or "auto".')
    if name == "COMFYUI_WORKFLOW":
        try:
            parse_workflow(value)
        except WorkflowError as error:
            raise _fail(name, str(error)) from None
    return value


async def update_image_config(ctx: Context, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Administrators. `changes` holds settings by name (the others keep their values);
    every value is checked before any is written; a masked key keeps the stored one."""
    await require_admin(ctx)
    unknown = changes.keys() - IMAGE_SETTINGS.keys()
    if unknown:
        raise Invalid(f"Unknown settings: {', '.join(sorted(unknown))}.",
                      reason="invalid_setting")
    kept = {name: _checked(ctx, name, value) for name, value in changes.items()
            if not (name in SECRET_SETTINGS and value == MASK)}
    await ctx.services.config.set(
        ctx.session, {IMAGE_SETTINGS[name][0]: value for name, value in kept.items()})
    return masked(await read_image_config(ctx, fresh=True))
