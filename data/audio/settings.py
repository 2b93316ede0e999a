"""Open WebUI's audio settings (routers/audio), kept in the `config` table under its keys
and seeded on first start from its environment variables. Parley runs the OpenAI-compatible
engines; other engine names may be stored (Open WebUI beside us may run them) but are
refused when used."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

OPENAI_BASE = "https://api.openai.com/v1"
ALLOWED_EXTENSIONS = ["mp3", "wav", "m4a", "webm", "ogg", "flac", "mp4", "mpga", "mpeg"]

# (section, Open WebUI's field name) -> (config key, environment variable, default)
AUDIO_SETTINGS: dict[tuple[str, str], tuple[str, str, Any]] = {
    ("tts", "ENGINE"): ("audio.tts.engine", "AUDIO_TTS_ENGINE", ""),
    ("tts", "MODEL"): ("audio.tts.model", "AUDIO_TTS_MODEL", "tts-1"),
    ("tts", "VOICE"): ("audio.tts.voice", "AUDIO_TTS_VOICE", "alloy"),
    ("tts", "OPENAI_API_BASE_URL"): ("audio.tts.openai.api_base_url",
                                     "AUDIO_TTS_OPENAI_API_BASE_URL", OPENAI_BASE),
    ("tts", "OPENAI_API_KEY"): ("audio.tts.openai.api_key", "AUDIO_TTS_OPENAI_API_KEY", ""),
    ("tts", "OPENAI_PARAMS"): ("audio.tts.openai.params", "AUDIO_TTS_OPENAI_PARAMS", {}),
    ("tts", "API_KEY"): ("audio.tts.api_key", "AUDIO_TTS_API_KEY", ""),
    ("tts", "SPLIT_ON"): ("audio.tts.split_on", "AUDIO_TTS_SPLIT_ON", "punctuation"),
    ("stt", "ENGINE"): ("audio.stt.engine", "AUDIO_STT_ENGINE", ""),
    ("stt", "MODEL"): ("audio.stt.model", "AUDIO_STT_MODEL", ""),
    ("stt", "OPENAI_API_BASE_URL"): ("audio.stt.openai.api_base_url",
                                     "AUDIO_STT_OPENAI_API_BASE_URL", OPENAI_BASE),
    ("stt", "OPENAI_API_KEY"): ("audio.stt.openai.api_key", "AUDIO_STT_OPENAI_API_KEY", ""),
    ("stt", "OPENAI_API_REQUEST_FORMAT"): ("audio.stt.openai.api_request_format",
                                           "AUDIO_STT_OPENAI_API_REQUEST_FORMAT", "multipart"),
    ("stt", "SUPPORTED_CONTENT_TYPES"): ("audio.stt.supported_content_types",
                                         "AUDIO_STT_SUPPORTED_CONTENT_TYPES", []),
    ("stt", "ALLOWED_EXTENSIONS"): ("audio.stt.allowed_extensions",
                                    "AUDIO_STT_ALLOWED_EXTENSIONS", ALLOWED_EXTENSIONS),
    ("stt", "WHISPER_MODEL"): ("audio.stt.whisper_model", "WHISPER_MODEL", "base"),
}
AUDIO_DEFAULTS: dict[str, Any] = {key: default for key, _, default in AUDIO_SETTINGS.values()}
SECRETS = frozenset({("tts", "OPENAI_API_KEY"), ("tts", "API_KEY"), ("stt", "OPENAI_API_KEY")})
# Open WebUI falls back to the first-class OpenAI connection's variables.
_FALLBACKS = {"AUDIO_TTS_OPENAI_API_BASE_URL": "OPENAI_API_BASE_URL",
              "AUDIO_STT_OPENAI_API_BASE_URL": "OPENAI_API_BASE_URL",
              "AUDIO_TTS_OPENAI_API_KEY": "OPENAI_API_KEY",
              "AUDIO_STT_OPENAI_API_KEY": "OPENAI_API_KEY"}


class AudioSettingsError(ValueError):
    """A bad audio variable; the message is one line naming it."""


def _parsed(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, dict):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise AudioSettingsError(f"{name}: expected a JSON object")
        return value
    if isinstance(default, list):
        return [part.strip().lower().lstrip(".") for part in raw.split(",") if part.strip()]
    return raw.strip()


def audio_seed(env: Mapping[str, str]) -> dict[str, Any]:
    """The `config` rows for the audio settings, from Open WebUI's variables."""
    seed = {}
    for key, name, default in AUDIO_SETTINGS.values():
        raw = env.get(name) or env.get(_FALLBACKS.get(name, ""), "")
        seed[key] = default if not raw else _parsed(name, raw, default)
    return seed


def audio_timeout(env: Mapping[str, str]) -> float | None:
    """Seconds an engine has for a whole answer: AIOHTTP_CLIENT_TIMEOUT, the total timeout
    Open WebUI's audio calls use (300 when unset, none when set empty). Parley's other
    upstream calls bound only the silence between pieces (data/llm/settings.py); speech
    is bounded as a whole too, since an engine trickling bytes would otherwise hold a
    request for as long as it likes."""
    if "AIOHTTP_CLIENT_TIMEOUT" not in env:
        return 300.0
    raw = env["AIOHTTP_CLIENT_TIMEOUT"].strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86400:
        raise AudioSettingsError(f"AIOHTTP_CLIENT_TIMEOUT={raw!r}: expected seconds from 0 "
                                 "to 86400, or empty for no limit")
    return value
