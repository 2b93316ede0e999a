"""A workspace preset applied to a request, as Open WebUI applies it: the preset's system
prompt goes first, and its parameters fill in what the caller did not set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from data.tables import ModelRow

# Parameters a preset may carry, by their OpenAI name, and where Ollama takes them.
_PARAMS = ("temperature", "top_p", "min_p", "max_tokens", "frequency_penalty",
           "presence_penalty", "reasoning_effort", "seed", "stop", "logit_bias",
           "response_format")
_OLLAMA_OPTIONS = {"temperature": "temperature", "top_p": "top_p", "min_p": "min_p",
                   "max_tokens": "num_predict", "frequency_penalty": "frequency_penalty",
                   "presence_penalty": "presence_penalty", "seed": "seed", "stop": "stop"}
_OLLAMA_TOP_LEVEL = ("format", "keep_alive", "think")


def _with_system(messages: list[Any], system: str) -> list[Any]:
    if messages and isinstance(messages[0], Mapping) and messages[0].get("role") == "system":
        first = dict(messages[0])
        existing = first.get("content")
        first["content"] = f"{system}\n{existing}" if isinstance(existing, str) and existing \
            else system
        return [first, *messages[1:]]
    return [{"role": "system", "content": system}, *messages]


def apply_preset(body: Mapping[str, Any], preset: ModelRow | None, *,
                 ollama_native: bool = False) -> dict[str, Any]:
    """`body` with the preset's defaults; `ollama_native` for Ollama's own `/api/chat`
    body (options nested), otherwise an OpenAI chat body."""
    out = dict(body)
    params = preset.params if preset is not None and isinstance(preset.params, dict) else {}
    if not params:
        return out
    if ollama_native:
        options = dict(out.get("options") or {})
        for name, option in _OLLAMA_OPTIONS.items():
            if params.get(name) is not None:
                options.setdefault(option, params[name])
        if options:
            out["options"] = options
        for name in _OLLAMA_TOP_LEVEL:
            if params.get(name) is not None:
                out.setdefault(name, params[name])
    else:
        for name in _PARAMS:
            if params.get(name) is not None:
                out.setdefault(name, params[name])
    system = params.get("system")
    if isinstance(system, str) and system.strip() and isinstance(out.get("messages"), list):
        out["messages"] = _with_system(out["messages"], system)
    return out
