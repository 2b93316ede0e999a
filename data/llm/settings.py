"""Upstream model servers from the environment, with Open WebUI's variable names.

Two kinds of values come out of here: the connection lists (`ollama.*`, `openai.*`), which
only *seed* Open WebUI's `config` table on first start (admins change them afterwards),
and process settings for the one shared HTTP client (timeouts, TLS, model-list cache).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data.env import flag

OLLAMA_DEFAULT = "http://localhost:11434"
OPENAI_DEFAULT = "https://api.openai.com/v1"


class UpstreamSettingsError(ValueError):
    """A bad upstream variable; the message is one line naming it."""


@dataclass(frozen=True)
class UpstreamSettings:
    """How Parley talks to upstreams. Timeouts are seconds; `idle_timeout` bounds the wait
    for each next piece of an answer, never the whole answer, so long answers live."""

    connect_timeout: float = 10.0
    idle_timeout: float = 300.0
    model_list_timeout: float = 10.0
    models_cache_ttl: float = 1.0
    verify_tls: bool = True
    max_connections: int = 100
    bypass_model_access_control: bool = False


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    return flag(env, name, default, UpstreamSettingsError)


def _seconds(env: Mapping[str, str], names: tuple[str, ...], default: float, *,
             zero_ok: bool = False) -> float:
    for name in names:
        raw = (env.get(name) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise UpstreamSettingsError(f"{name}={raw!r}: expected seconds, e.g. 30") from None
        if not (0 <= value if zero_ok else 0 < value) or value > 86400:
            raise UpstreamSettingsError(f"{name}={raw!r}: expected seconds from 0 to 86400")
        return value
    return default


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise UpstreamSettingsError(f"{name}={raw!r}: expected a number from 1 to 10000")
    return int(raw)


def _json_object(env: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = (env.get(name) or "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise UpstreamSettingsError(f"{name}: not valid JSON") from None
    if not isinstance(value, dict):
        raise UpstreamSettingsError(f"{name}: expected a JSON object keyed by connection "
                                    'index ("0", "1", ...)')
    return value


def _url(name: str, raw: str) -> str:
    url = raw.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise UpstreamSettingsError(f"{name}: {raw.strip()!r} is not an http(s) URL")
    return url


def _ollama_urls(env: Mapping[str, str]) -> list[str]:
    listed = (env.get("OLLAMA_BASE_URLS") or "").strip()
    if listed:
        return [_url("OLLAMA_BASE_URLS", u) for u in listed.split(";") if u.strip()]
    single = (env.get("OLLAMA_BASE_URL") or "").strip()
    if single:
        return [_url("OLLAMA_BASE_URL", single)]
    legacy = (env.get("OLLAMA_API_BASE_URL") or "").strip()
    if legacy:  # Open WebUI's old variable named the /api endpoint itself
        url = _url("OLLAMA_API_BASE_URL", legacy)
        return [url[: -len("/api")] if url.endswith("/api") else url]
    return [OLLAMA_DEFAULT]


def _openai_urls(env: Mapping[str, str]) -> list[str]:
    listed = env.get("OPENAI_API_BASE_URLS")
    if listed and listed.strip():
        # Empty items stand for OpenAI itself, as in Open WebUI.
        return [_url("OPENAI_API_BASE_URLS", u) if u.strip() else OPENAI_DEFAULT
                for u in listed.split(";")]
    single = (env.get("OPENAI_API_BASE_URL") or "").strip()
    return [_url("OPENAI_API_BASE_URL", single) if single else OPENAI_DEFAULT]


def _openai_keys(env: Mapping[str, str], count: int) -> list[str]:
    listed = env.get("OPENAI_API_KEYS")
    raw = listed.split(";") if listed and listed.strip() else [env.get("OPENAI_API_KEY", "")]
    keys = [k.strip() for k in raw]
    return (keys + [""] * count)[:count]  # index-aligned with the base URLs


def upstream_seed(env: Mapping[str, str]) -> dict[str, Any]:
    """The `config` rows Open WebUI keeps for its connections, from its variables."""
    openai_urls = _openai_urls(env)
    return {
        "ollama.enable": _flag(env, "ENABLE_OLLAMA_API", True),
        "ollama.base_urls": _ollama_urls(env),
        "ollama.api_configs": _json_object(env, "OLLAMA_API_CONFIGS"),
        "openai.enable": _flag(env, "ENABLE_OPENAI_API", True),
        "openai.api_base_urls": openai_urls,
        "openai.api_keys": _openai_keys(env, len(openai_urls)),
        "openai.api_configs": _json_object(env, "OPENAI_API_CONFIGS"),
    }


def load_upstream_settings(env: Mapping[str, str]) -> UpstreamSettings:
    return UpstreamSettings(
        connect_timeout=_seconds(env, ("UPSTREAM_CONNECT_TIMEOUT",), 10.0),
        idle_timeout=_seconds(env, ("UPSTREAM_IDLE_TIMEOUT",
                                    "AIOHTTP_CLIENT_STREAM_IDLE_TIMEOUT"), 300.0),
        model_list_timeout=_seconds(env, ("AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST",
                                          "AIOHTTP_CLIENT_TIMEOUT_OPENAI_MODEL_LIST"), 10.0),
        models_cache_ttl=_seconds(env, ("MODELS_CACHE_TTL",), 1.0, zero_ok=True),
        verify_tls=_flag(env, "AIOHTTP_CLIENT_SESSION_SSL", True),
        max_connections=_count(env, "AIOHTTP_POOL_CONNECTIONS", 100),
        bypass_model_access_control=_flag(env, "BYPASS_MODEL_ACCESS_CONTROL", False),
    )
