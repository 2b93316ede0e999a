"""Text to speech through the configured OpenAI-compatible engine, cached on disk per
request and engine (a cached answer is served without asking the engine), and stored as
a file of the caller's for GraphQL's `speak`."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.audio.cache import CachedSpeech, SpeechCache
from data.audio.formats import MEDIA_TYPES
from data.tables import FileRow
from resolvers.audio.engines import checked_engine, engine_errors, require_audio, section_settings
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.files import FileUpload, upload_file

MAX_INPUT = 4096  # characters: OpenAI's own limit for one speech request
MAX_AUDIO = 50 * 1024**2  # an engine answering more is broken, not talkative
FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")


@dataclass(frozen=True)
class SpeechFile:
    path: Path  # the cached audio
    format: str
    media_type: str
    cached: bool


def _bad(message: str, field: str) -> Invalid:
    return Invalid(message, reason="invalid_speech", field=field)


def _payload(body: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """The engine's request: the caller's body with the configured model, its voice or
    the configured one, then the configured parameters on top (as Open WebUI sends it)."""
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise _bad("`input` must be a non-empty text.", "input")
    if len(text) > MAX_INPUT:
        raise _bad(f"`input` is longer than the {MAX_INPUT} characters one request may "
                   "speak; split the text.", "input")
    voice = body.get("voice") or settings["VOICE"]
    if not isinstance(voice, str):
        raise _bad("`voice` must be a text.", "voice")
    fmt = body.get("response_format", "mp3")
    if fmt not in FORMATS:
        raise _bad(f"`response_format` must be one of {', '.join(FORMATS)}.",
                   "response_format")
    speed = body.get("speed")
    if speed is not None and (not isinstance(speed, int | float) or isinstance(speed, bool)
                              or not math.isfinite(speed) or not 0.25 <= speed <= 4.0):
        raise _bad("`speed` must be a number from 0.25 to 4.0.", "speed")
    params = settings["OPENAI_PARAMS"] if isinstance(settings["OPENAI_PARAMS"], dict) else {}
    return {**body, "model": settings["MODEL"], "voice": voice, **params}


def speech_cache(ctx: Context) -> SpeechCache:
    return SpeechCache(ctx.settings.data_dir / "cache" / "audio" / "speech")


async def synthesize_speech(ctx: Context, body: dict[str, Any]) -> SpeechFile:
    """Approved accounts with `chat.tts`: the speech for `body` (OpenAI's speech request),
    from the cache or the engine."""
    await require_audio(ctx, "tts")
    settings = await section_settings(ctx, "tts")
    engine = await checked_engine(ctx, "tts", settings)
    payload = _payload(body, settings)
    cache = speech_cache(ctx)
    key = cache.key(payload, settings["ENGINE"])
    found = await asyncio.to_thread(cache.get, key)
    if found is None:
        with engine_errors():
            speech = await engine.speech(payload, limit=MAX_AUDIO)
        found = await asyncio.to_thread(cache.put, key, payload, speech.audio, speech.format)
        return _file(found, cached=False)
    return _file(found, cached=True)


def _file(found: CachedSpeech, *, cached: bool) -> SpeechFile:
    media = MEDIA_TYPES.get(found.format, "application/octet-stream")
    return SpeechFile(found.path, found.format, media, cached)


async def speak(ctx: Context, body: dict[str, Any]) -> FileRow:
    """Approved accounts with `chat.tts`: the speech stored as a file of theirs (not
    processed into text). The row is written in a short transaction of its own once the
    audio is in hand, so none is held while the engine speaks; inside another open write
    (a GraphQL operation changing something else) it is refused."""
    if ctx.writes:
        raise Invalid("Speech is stored in a transaction of its own: send it in an "
                      "operation without other changes.", reason="audio_write_shared")
    speech = await synthesize_speech(ctx, body)
    side = Context(ctx.services, ctx.credentials)
    side.viewer_cache = ctx.viewer_cache
    with open(speech.path, "rb") as source:  # noqa: ASYNC230 (a local cache file)
        async with side.unit_of_work(write=True):
            return await upload_file(side, FileUpload(
                name=f"speech.{speech.format}", source=source,
                content_type=speech.media_type, process=False))
