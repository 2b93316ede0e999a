"""The audio settings (engines, models, voices, keys), kept in Open WebUI's `config` rows
under its keys and shown in its shape: `{"tts": {FIELD: value}, "stt": {...}}`.

Only administrators read or change them. Keys are write-only: shown masked, and a mask
sent back unchanged keeps the stored key (as the connection settings do).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from data.audio.settings import AUDIO_SETTINGS, SECRETS
from data.engines.urls import EngineUrlRefused, check_engine_url
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.models.connections import mask
from resolvers.permissions import require_admin

Sections = dict[str, dict[str, Any]]
REQUEST_FORMATS = ("multipart", "json")
URL_FIELDS = frozenset({"OPENAI_API_BASE_URL"})
AUDIO_FIELDS = frozenset(AUDIO_SETTINGS)  # (section, Open WebUI's field name)


def audio_settings(values: Mapping[str, Any]) -> Sections:
    """The settings in Open WebUI's shape, keys in clear: for this process's own use."""
    sections: Sections = {"tts": {}, "stt": {}}
    for (section, name), (key, _, _) in AUDIO_SETTINGS.items():
        sections[section][name] = values[key]
    return sections


def _masked(sections: Sections) -> Sections:
    return {section: {name: mask(str(value or "")) if (section, name) in SECRETS else value
                      for name, value in fields.items()}
            for section, fields in sections.items()}


async def get_audio_config(ctx: Context) -> Sections:
    """Administrators; keys masked."""
    await require_admin(ctx)
    values = await ctx.services.config.get_all(ctx.session, fresh=True)
    return _masked(audio_settings(values))


def _checked(section: str, name: str, value: Any, stored: Any, allow_private: bool) -> Any:
    default = AUDIO_SETTINGS[(section, name)][2]
    where = f"{section}.{name}"
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise Invalid(f"{where} must be an object.", reason="invalid_setting", field=where)
        return value
    if isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid(f"{where} must be a list of strings.", reason="invalid_setting",
                          field=where)
        return [v.strip().lower().lstrip(".") for v in value if v.strip()]
    if not isinstance(value, str):
        raise Invalid(f"{where} must be a string.", reason="invalid_setting", field=where)
    value = value.strip()
    if (section, name) in SECRETS and stored and value == mask(str(stored)):
        return stored  # the mask came back: the key is unchanged
    if name in URL_FIELDS:
        try:
            return check_engine_url(value, allow_private) if value else ""
        except EngineUrlRefused as error:
            raise Invalid(f"{where}: {error}", reason="invalid_url", field=where) from None
    if name == "OPENAI_API_REQUEST_FORMAT" and value not in REQUEST_FORMATS:
        raise Invalid(f"{where} must be multipart or json.", reason="invalid_setting",
                      field=where)
    return value


async def update_audio_config(ctx: Context, changes: Mapping[str, Mapping[str, Any]]
                              ) -> Sections:
    """Administrators. `changes` holds any fields of `tts` and `stt` by Open WebUI's
    names; the others keep their values. Every value is checked before any is written."""
    await require_admin(ctx)
    values = await ctx.services.config.get_all(ctx.session, fresh=True)
    writes: dict[str, Any] = {}
    for section, fields in changes.items():
        for name, value in fields.items():
            if (section, name) not in AUDIO_SETTINGS:
                raise Invalid(f"Unknown audio setting {section}.{name}.",
                              reason="invalid_setting", field=f"{section}.{name}")
            key = AUDIO_SETTINGS[(section, name)][0]
            writes[key] = _checked(section, name, value, values[key],
                                   ctx.settings.engine_urls_allow_link_local)
    if writes:
        await ctx.services.config.set(ctx.session, writes)
    return _masked(audio_settings(await ctx.services.config.get_all(ctx.session, fresh=True)))
