"""Checking an engine before its settings are saved: the URL rule, then one cheap
request the engine answers only when it is what it claims (its model list)."""

from __future__ import annotations

import asyncio
from typing import Any

from data.engines import automatic1111, comfyui
from data.engines.image_settings import ENGINES
from data.engines.transport import EngineError, EngineHttp
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.images.config import MASK, read_image_config
from resolvers.images.engines import EngineTimeout, checked_url, domain_error
from resolvers.permissions import require_admin

# The engine's stored key, used when the form sends the mask (or nothing) back.
STORED_KEY = {"openai": "IMAGES_OPENAI_API_KEY", "automatic1111": "AUTOMATIC1111_API_AUTH",
              "comfyui": "COMFYUI_API_KEY"}
PROBE = {"openai": "/models", "automatic1111": "/sdapi/v1/sd-models",
         "comfyui": "/object_info/CheckpointLoaderSimple"}


def _headers(engine: str, key: str) -> dict[str, str]:
    if engine == "automatic1111":
        return automatic1111.headers(key)
    if engine == "comfyui":
        return comfyui.headers(key)
    return {"Authorization": f"Bearer {key}"} if key else {}


async def verify_image_engine(ctx: Context, engine: Any, url: Any, key: Any = None) -> bool:
    """Administrators: True when the engine at `url` answers; else the reason, as
    generation would give it."""
    await require_admin(ctx)
    if engine not in ENGINES:
        raise Invalid(f"engine: expected one of {', '.join(ENGINES)}.",
                      reason="invalid_setting", field="engine")
    if not isinstance(url, str) or not url.strip():
        raise Invalid("url: the engine's URL is needed.", reason="invalid_setting",
                      field="url")
    if key is None or key == MASK:
        key = (await read_image_config(ctx, fresh=True))[STORED_KEY[engine]]
    if not isinstance(key, str):
        raise Invalid("key: expected text.", reason="invalid_setting", field="key")
    await checked_url(ctx, url)
    client = EngineHttp(ctx.services.llm.http, engine, url.strip().rstrip("/"),
                        _headers(engine, key), 32 * 1024**2, (key,))
    try:
        async with asyncio.timeout(ctx.settings.upstreams.model_list_timeout):
            await client.call_json("GET", PROBE[engine])
    except EngineError as error:
        raise domain_error(error) from None
    except TimeoutError:
        raise EngineTimeout(f"{engine} did not answer in time.",
                            reason="image_engine_timeout") from None
    return True
