"""Open WebUI's settings for its helper tasks (titles, tags, follow-ups, queries,
autocompletion...): which model runs them and with which prompt templates.

They live in the `config` table under Open WebUI's keys, seeded on first start from
Open WebUI's environment variables (each setting's name in capitals); admins change
them at run time. An empty template means the built-in one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# setting -> (config key, default); the environment variable is the name in capitals
TASK_SETTINGS: dict[str, tuple[str, Any]] = {
    "task_model": ("task.model.default", ""),
    "task_model_external": ("task.model.external", ""),
    "task_model_params": ("task.model.params", {}),
    "title_generation_prompt_template": ("task.title.prompt_template", ""),
    "image_prompt_generation_prompt_template": ("task.image.prompt_template", ""),
    "enable_autocomplete_generation": ("task.autocomplete.enable", False),
    "autocomplete_generation_input_max_length": ("task.autocomplete.input_max_length", -1),
    "autocomplete_generation_prompt_template": ("task.autocomplete.prompt_template", ""),
    "tags_generation_prompt_template": ("task.tags.prompt_template", ""),
    "follow_up_generation_prompt_template": ("task.follow_up.prompt_template", ""),
    "enable_follow_up_generation": ("task.follow_up.enable", True),
    "enable_tags_generation": ("task.tags.enable", True),
    "enable_title_generation": ("task.title.enable", True),
    "enable_search_query_generation": ("task.query.search.enable", True),
    "enable_retrieval_query_generation": ("task.query.retrieval.enable", True),
    "query_generation_prompt_template": ("task.query.prompt_template", ""),
    "tools_function_calling_prompt_template": ("task.tools.prompt_template", ""),
    "enable_voice_mode_prompt": ("task.voice.prompt.enable", True),
    "voice_mode_prompt_template": ("task.voice.prompt_template", ""),
}
TASK_DEFAULTS: dict[str, Any] = dict(TASK_SETTINGS.values())
# Settings that may hold null (no model chosen, no parameters, no voice template).
NULLABLE = frozenset({"task_model", "task_model_external", "task_model_params",
                      "voice_mode_prompt_template"})


class TaskSettingsError(ValueError):
    """A bad task variable; the message is one line naming it."""


def _parsed(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value in ("1", "true", "yes", "on")
        raise TaskSettingsError(f"{name}={raw!r}: expected true or false")
    if isinstance(default, int):
        try:
            return int(raw.strip())
        except ValueError:
            raise TaskSettingsError(f"{name}={raw!r}: expected a whole number") from None
    if isinstance(default, dict):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise TaskSettingsError(f"{name}: expected a JSON object")
        return value
    return raw  # a model id or a template, exactly as given


def task_seed(env: Mapping[str, str]) -> dict[str, Any]:
    """The `config` rows for the task settings, from Open WebUI's variables."""
    seed = {}
    for name, (key, default) in TASK_SETTINGS.items():
        raw = env.get(name.upper())
        seed[key] = default if raw is None or raw == "" else _parsed(name.upper(), raw, default)
    return seed
