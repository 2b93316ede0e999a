"""Who may use speech, which engine serves it, and the model and voice lists."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from data.audio.engine import SpeechEngine
from data.engines.urls import EngineUrlRefused, check_engine_host
from data.llm.base import UpstreamError
from resolvers.audio.config import audio_settings
from resolvers.completions.relay import upstream_failed
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid, NotFound, UpstreamFailed
from resolvers.permissions import require_verified
from resolvers.users.permissions import allows, effective_permissions

NAMES = {"tts": "The speech engine", "stt": "The transcription engine"}
OPENAI_VOICES = ["alloy", "echo", "fable", "onyx", "nova", "shimmer"]
OPENAI_TTS_MODELS = ["tts-1", "tts-1-hd"]


async def require_audio(ctx: Context, section: str) -> Viewer:
    """An approved account with Open WebUI's `chat.tts` / `chat.stt` permission
    (administrators always)."""
    async with ctx.unit_of_work():
        viewer = await require_verified(ctx)
        if viewer.role != "admin" and not allows(
                await effective_permissions(ctx, viewer.user), f"chat.{section}"):
            what = "text to speech" if section == "tts" else "speech to text"
            raise Forbidden(f"You may not use {what}.", reason="audio_not_allowed")
    return viewer


async def section_settings(ctx: Context, section: str) -> dict[str, Any]:
    return audio_settings(await ctx.services.config.current())[section]


def engine_of(ctx: Context, section: str, settings: dict[str, Any]) -> SpeechEngine:
    """The configured engine; NotFound when none is, Invalid for one Parley lacks.
    Its URL is checked when it is called (`checked_engine`)."""
    engine = settings["ENGINE"]
    what = "Text to speech" if section == "tts" else "Speech to text"
    if not engine:
        raise NotFound(f"{what} is not configured (no engine).", reason="audio_disabled")
    if engine != "openai":
        raise Invalid(f"{what} engine {engine!r} is not supported here; Parley runs "
                      "OpenAI-compatible engines (openai).", reason="audio_engine")
    return SpeechEngine(ctx.services.llm, settings["OPENAI_API_BASE_URL"],
                        settings["OPENAI_API_KEY"], NAMES[section], ctx.settings.audio_timeout)


async def checked_engine(ctx: Context, section: str, settings: dict[str, Any]
                         ) -> SpeechEngine:
    """`engine_of`, with its URL held to the engine URL rule (data/engines/urls.py) as
    its host resolves now: a URL seeded from the environment was never checked on saving,
    and a name can be pointed elsewhere after it was."""
    engine = engine_of(ctx, section, settings)
    try:
        await check_engine_host(engine.connection.base_url,
                                ctx.settings.engine_urls_allow_link_local)
    except EngineUrlRefused as error:
        raise UpstreamFailed(f"{engine.name} is not called: {error}",
                             reason="engine_url_refused") from None
    return engine


@contextlib.contextmanager
def engine_errors() -> Iterator[None]:
    try:
        yield
    except UpstreamError as error:
        raise upstream_failed(error) from None


def _official(settings: dict[str, Any]) -> bool:
    return settings["OPENAI_API_BASE_URL"].startswith("https://api.openai.com")


async def list_models(ctx: Context) -> list[dict[str, str]]:
    """Approved accounts: the speech models, as OpenAI offers them or as the engine's
    `/audio/models` lists them (nothing when it lists none)."""
    await require_audio(ctx, "tts")
    settings = await section_settings(ctx, "tts")
    if settings["ENGINE"] != "openai":
        return []
    if _official(settings):
        return [{"id": model} for model in OPENAI_TTS_MODELS]
    return _ids(await _listing(ctx, settings, "/audio/models", "models"), "id")


async def list_voices(ctx: Context) -> list[dict[str, str]]:
    """Approved accounts: the voices, as OpenAI offers them or as the engine's
    `/audio/voices` lists them (OpenAI's when it lists none)."""
    await require_audio(ctx, "tts")
    settings = await section_settings(ctx, "tts")
    if settings["ENGINE"] != "openai":
        return []
    listed = [] if _official(settings) else _ids(
        await _listing(ctx, settings, "/audio/voices", "voices"), "id")
    return [{"id": v["id"], "name": v.get("name", v["id"])} for v in listed] or [
        {"id": voice, "name": voice} for voice in OPENAI_VOICES]


async def _listing(ctx: Context, settings: dict[str, Any], path: str, field: str) -> Any:
    try:
        answer = await (await checked_engine(ctx, "tts", settings)).listing(path)
    except UpstreamError:
        return []  # a server without the list: Open WebUI shows none too
    return answer.get(field, []) if isinstance(answer, dict) else answer


def _ids(items: Any, key: str) -> list[dict[str, str]]:
    if not isinstance(items, list):
        return []
    found = []
    for item in items:
        if isinstance(item, str):
            found.append({key: item})
        elif isinstance(item, dict) and isinstance(item.get(key), str):
            found.append({k: v for k, v in item.items() if isinstance(v, str)})
    return found
