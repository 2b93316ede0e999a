"""Image generation settings: Open WebUI's names and `config` keys (admins change them at
run time; the environment only seeds them), and Parley's own limits (process settings).

Open WebUI's default ComfyUI workflow is a plain txt2img graph; ours has the same node
ids, so Open WebUI's default node mapping applies to it (see DEFAULT_COMFYUI_NODES).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data.env import flag, whole_number

DEFAULT_COMFYUI_WORKFLOW: dict[str, Any] = {
    "3": {"class_type": "KSampler", "inputs": {
        "seed": 0, "steps": 20, "cfg": 8, "sampler_name": "euler", "scheduler": "normal",
        "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
        "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple",
          "inputs": {"ckpt_name": "model.safetensors"}},
    "5": {"class_type": "EmptyLatentImage",
          "inputs": {"batch_size": 1, "height": 512, "width": 512}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "Prompt"}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": ""}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage",
          "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
}
# Used when COMFYUI_WORKFLOW_NODES is empty: where the default graph takes each value.
DEFAULT_COMFYUI_NODES: list[dict[str, Any]] = [
    {"type": "prompt", "key": "text", "node_ids": ["6"]},
    {"type": "negative_prompt", "key": "text", "node_ids": ["7"]},
    {"type": "model", "key": "ckpt_name", "node_ids": ["4"]},
    {"type": "width", "key": "width", "node_ids": ["5"]},
    {"type": "height", "key": "height", "node_ids": ["5"]},
    {"type": "n", "key": "batch_size", "node_ids": ["5"]},
    {"type": "steps", "key": "steps", "node_ids": ["3"]},
    {"type": "seed", "key": "seed", "node_ids": ["3"]},
]

# Open WebUI's setting name (also its environment variable) -> (config key, default)
IMAGE_SETTINGS: dict[str, tuple[str, Any]] = {
    "ENABLE_IMAGE_GENERATION": ("image_generation.enable", False),
    "IMAGE_GENERATION_ENGINE": ("image_generation.engine", "openai"),
    "IMAGE_GENERATION_MODEL": ("image_generation.model", ""),
    "IMAGE_SIZE": ("image_generation.size", "512x512"),
    "IMAGE_STEPS": ("image_generation.steps", 50),
    "IMAGES_OPENAI_API_BASE_URL": ("image_generation.openai.api_base_url", ""),
    "IMAGES_OPENAI_API_KEY": ("image_generation.openai.api_key", ""),
    "IMAGES_OPENAI_API_VERSION": ("image_generation.openai.api_version", ""),
    "IMAGES_OPENAI_PARAMS": ("image_generation.openai.params", {}),
    "AUTOMATIC1111_BASE_URL": ("image_generation.automatic1111.base_url", ""),
    "AUTOMATIC1111_API_AUTH": ("image_generation.automatic1111.api_auth", ""),
    "AUTOMATIC1111_PARAMS": ("image_generation.automatic1111.params", {}),
    "COMFYUI_BASE_URL": ("image_generation.comfyui.base_url", ""),
    "COMFYUI_API_KEY": ("image_generation.comfyui.api_key", ""),
    "COMFYUI_WORKFLOW": ("image_generation.comfyui.workflow",
                         json.dumps(DEFAULT_COMFYUI_WORKFLOW, indent=2)),
    "COMFYUI_WORKFLOW_NODES": ("image_generation.comfyui.nodes", []),
    "ENABLE_IMAGE_EDIT": ("images.edit.enable", False),
    "IMAGE_EDIT_ENGINE": ("images.edit.engine", "openai"),
    "IMAGE_EDIT_MODEL": ("images.edit.model", ""),
    "IMAGE_EDIT_SIZE": ("images.edit.size", ""),
    "IMAGES_EDIT_OPENAI_API_BASE_URL": ("images.edit.openai.api_base_url", ""),
    "IMAGES_EDIT_OPENAI_API_KEY": ("images.edit.openai.api_key", ""),
    "IMAGES_EDIT_OPENAI_API_VERSION": ("images.edit.openai.api_version", ""),
}
IMAGE_DEFAULTS: dict[str, Any] = dict(IMAGE_SETTINGS.values())
# Write-only: shown masked, and a masked value sent back keeps the stored one.
SECRET_SETTINGS = frozenset({"IMAGES_OPENAI_API_KEY", "AUTOMATIC1111_API_AUTH",
                             "COMFYUI_API_KEY", "IMAGES_EDIT_OPENAI_API_KEY"})
ENGINES = ("openai", "automatic1111", "comfyui")
EDIT_ENGINES = ("openai", "automatic1111")


class ImageSettingsError(ValueError):
    """A bad image variable; the message is one line naming it."""


@dataclass(frozen=True)
class ImageLimits:
    """What one generation may ask for and receive, whatever the engine offers."""

    max_count: int = 4  # images per request
    max_side: int = 2048  # pixels, width and height
    max_prompt: int = 32_000  # characters (gpt-image's own limit; DALL-E's are lower)
    max_image_bytes: int = 50 * 1024**2  # one engine answer, decoded images included
    timeout: float = 300.0  # seconds for a whole generation


def _parsed(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return flag({name: raw}, name, default, ImageSettingsError)
    if isinstance(default, int):
        return whole_number({name: raw}, name, default, 1, 1000, ImageSettingsError)
    if isinstance(default, dict | list):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, type(default)):
            kind = "object" if isinstance(default, dict) else "list"
            raise ImageSettingsError(f"{name}: expected a JSON {kind}")
        return value
    return raw.strip()


def image_seed(env: Mapping[str, str]) -> dict[str, Any]:
    """The `config` rows for the image settings, from Open WebUI's variables. The
    OpenAI engine falls back to the first OpenAI connection, as Open WebUI's does."""
    seed = {}
    for name, (key, default) in IMAGE_SETTINGS.items():
        raw = env.get(name)
        seed[key] = default if raw is None or raw == "" else _parsed(name, raw, default)
    if not seed["image_generation.openai.api_base_url"]:
        first = (env.get("OPENAI_API_BASE_URL") or "").strip()
        seed["image_generation.openai.api_base_url"] = first or "https://api.openai.com/v1"
    if not seed["image_generation.openai.api_key"]:
        seed["image_generation.openai.api_key"] = (env.get("OPENAI_API_KEY") or "").strip()
    return seed


def load_image_limits(env: Mapping[str, str]) -> ImageLimits:
    def number(name: str, default: int, high: int) -> int:
        return whole_number(env, name, default, 1, high, ImageSettingsError)

    raw_timeout = (env.get("IMAGE_GENERATION_TIMEOUT") or "").strip()
    try:
        timeout = float(raw_timeout) if raw_timeout else 300.0
    except ValueError:
        raise ImageSettingsError(f"IMAGE_GENERATION_TIMEOUT={raw_timeout!r}: expected "
                                 "seconds") from None
    if not 0 < timeout <= 3600:
        raise ImageSettingsError(f"IMAGE_GENERATION_TIMEOUT={raw_timeout!r}: expected "
                                 "seconds from 0 to 3600")
    return ImageLimits(
        max_count=number("IMAGE_GENERATION_MAX_COUNT", 4, 100),
        max_side=number("IMAGE_GENERATION_MAX_SIDE", 2048, 16384),
        max_prompt=number("IMAGE_GENERATION_MAX_PROMPT", 32_000, 1_000_000),
        max_image_bytes=number("IMAGE_GENERATION_MAX_MB", 50, 1024) * 1024**2,
        timeout=timeout)
