"""Running the configured image engine: the job checked against the limits and what the
engine offers, the engine URL rule applied just before the request, and the engine's
failures turned into domain errors (a refused prompt is the caller's 4xx; a broken,
slow or oversized answer is the engine's fault)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

from data.engines import automatic1111, comfyui, openai_images
from data.engines.image_jobs import Image, ImageJob, Progress
from data.engines.image_settings import ENGINES, ImageLimits
from data.engines.transport import REFUSED, TIMEOUT, EngineError, EngineHttp
from data.engines.urls import EngineUrlRefused, check_engine_host
from resolvers.context import Context
from resolvers.errors import DomainError, Invalid, UpstreamFailed

SIZE = re.compile(r"([1-9]\d{1,4})x([1-9]\d{1,4})")
AUTO_SIZE_MODELS = re.compile(r"^gpt-image")  # IMAGE_AUTO_SIZE_MODELS_REGEX_PATTERN
DEFAULT_MODELS = {"openai": "dall-e-2"}


class EngineTimeout(DomainError):
    code, status = "UPSTREAM_TIMEOUT", 504


def engine_of(config: dict[str, Any]) -> str:
    """The configured engine; one Parley does not speak (Open WebUI's gemini, written
    by Open WebUI beside us) is refused rather than mistaken for another."""
    engine = config["IMAGE_GENERATION_ENGINE"] or "automatic1111"
    if engine not in ENGINES:
        raise Invalid(f"The image engine {str(engine)[:40]!r} is not supported here.",
                      reason="image_engine_unsupported")
    return engine


def _invalid(message: str, field: str) -> Invalid:
    return Invalid(message, reason="image_request", field=field)


def check_size(engine: str, model: str, size: str, limits: ImageLimits) -> str:
    if size == "auto":
        if engine == "openai" and AUTO_SIZE_MODELS.match(model):
            return size
        raise _invalid(f'Size "auto" is not offered by {model or engine}.', "size")
    match = SIZE.fullmatch(size)
    if not match:
        raise _invalid('A size is "WIDTHxHEIGHT", e.g. 512x512.', "size")
    width, height = int(match.group(1)), int(match.group(2))
    if max(width, height) > limits.max_side:
        raise _invalid(f"Images are at most {limits.max_side} pixels a side.", "size")
    offered = openai_images.offered_sizes(model) if engine == "openai" else None
    if offered is not None and size not in offered:
        raise _invalid(f"{model} offers the sizes {', '.join(sorted(offered))}.", "size")
    if engine != "openai" and (width % 8 or height % 8 or min(width, height) < 64):
        raise _invalid(f"{engine} makes images whose sides are multiples of 8 from 64 "
                       "pixels.", "size")
    return size


def plan_job(config: dict[str, Any], limits: ImageLimits, *, prompt: Any, model: Any,
             size: Any, n: Any, steps: Any, negative_prompt: Any,
             progress: Progress | None) -> ImageJob:
    """The job for the configured engine, or Invalid naming the first bad field."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise _invalid("The prompt must not be empty.", "prompt")
    if len(prompt) > limits.max_prompt:
        raise _invalid(f"A prompt holds at most {limits.max_prompt} characters.", "prompt")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= limits.max_count:
        raise _invalid(f"n must be a whole number from 1 to {limits.max_count}.", "n")
    if steps is not None and (not isinstance(steps, int) or not 1 <= steps <= 500):
        raise _invalid("steps must be a whole number from 1 to 500.", "steps")
    if negative_prompt is not None and (not isinstance(negative_prompt, str)
                                        or len(negative_prompt) > limits.max_prompt):
        raise _invalid("The negative prompt is too long.", "negative_prompt")
    engine = engine_of(config)
    # As Open WebUI: only AUTOMATIC1111 takes the request's model; the others use the
    # administrator's choice (it may cost money or be the only one the workflow loads).
    chosen = model if engine == "automatic1111" and isinstance(model, str) and model else ""
    chosen = chosen or config["IMAGE_GENERATION_MODEL"] or DEFAULT_MODELS.get(engine, "")
    size = size or config["IMAGE_SIZE"]
    if not isinstance(size, str):
        raise _invalid('A size is "WIDTHxHEIGHT", e.g. 512x512.', "size")
    params = {"openai": "IMAGES_OPENAI_PARAMS", "automatic1111": "AUTOMATIC1111_PARAMS"}
    extra = config.get(params.get(engine, ""), {}) if engine in params else {}
    job = ImageJob(prompt=prompt.strip(), model=chosen,
                   size=check_size(engine, chosen, size, limits), n=n,
                   steps=steps or config["IMAGE_STEPS"], negative_prompt=negative_prompt or "",
                   params=extra if isinstance(extra, dict) else {})
    return job if progress is None else replace(job, progress=progress)


def _engine_http(ctx: Context, config: dict[str, Any], engine: str) -> EngineHttp:
    limit = ctx.settings.images.max_image_bytes
    http = ctx.services.llm.http
    if engine == "openai":
        key = config["IMAGES_OPENAI_API_KEY"]
        return EngineHttp(http, openai_images.ENGINE, config["IMAGES_OPENAI_API_BASE_URL"],
                          {"Authorization": f"Bearer {key}"} if key else {}, limit, (key,))
    if engine == "comfyui":
        key = config["COMFYUI_API_KEY"]
        return EngineHttp(http, comfyui.ENGINE, config["COMFYUI_BASE_URL"],
                          comfyui.headers(key), limit, (key,))
    auth = config["AUTOMATIC1111_API_AUTH"]
    return EngineHttp(http, automatic1111.ENGINE, config["AUTOMATIC1111_BASE_URL"],
                      automatic1111.headers(auth), limit, (auth,))


async def checked_url(ctx: Context, url: str) -> None:
    try:
        await check_engine_host(url, ctx.settings.engine_urls_allow_link_local)
    except EngineUrlRefused as error:
        raise Invalid(str(error), reason="engine_url_refused") from None


def domain_error(error: EngineError) -> DomainError:
    if error.kind == TIMEOUT:
        return EngineTimeout(error.message, reason="image_engine_timeout")
    if error.kind == REFUSED and error.upstream_status and error.upstream_status < 500:
        return Invalid(error.message, reason="image_refused", field="prompt")
    return UpstreamFailed(error.message, reason=f"image_engine_{error.kind}")


async def engine_connection(ctx: Context, config: dict[str, Any]) -> EngineHttp:
    engine = engine_of(config)
    client = _engine_http(ctx, config, engine)
    if not client.base_url:
        raise Invalid(f"No URL is configured for {client.engine}.",
                      reason="image_engine_unconfigured")
    await checked_url(ctx, client.base_url)
    return client


async def run_engine(ctx: Context, config: dict[str, Any], job: ImageJob,
                     sources: list[Image] | None = None) -> list[Image]:
    """The images, or a domain error; bounded by IMAGE_GENERATION_TIMEOUT as a whole.
    With `sources`, the engine edits them (openai and automatic1111 can)."""
    engine = engine_of(config)
    client = await engine_connection(ctx, config)
    try:
        async with asyncio.timeout(ctx.settings.images.timeout):
            if sources is not None and engine == "openai":
                return await openai_images.edit(
                    client, job, sources, config["IMAGES_OPENAI_API_VERSION"],
                    lambda url: checked_url(ctx, url))
            if sources is not None:
                return await automatic1111.edit(client, job, sources)
            if engine == "openai":
                return await openai_images.generate(
                    client, job, config["IMAGES_OPENAI_API_VERSION"],
                    lambda url: checked_url(ctx, url))
            if engine == "comfyui":
                return await comfyui.generate(client, job, config["COMFYUI_WORKFLOW"],
                                              config["COMFYUI_WORKFLOW_NODES"])
            return await automatic1111.generate(client, job)
    except EngineError as error:
        raise domain_error(error) from None
    except comfyui.WorkflowError as error:
        raise Invalid(str(error), reason="image_config") from None
    except TimeoutError:
        raise EngineTimeout(f"{client.engine} did not finish within "
                            f"{ctx.settings.images.timeout:g} seconds.",
                            reason="image_engine_timeout") from None


async def engine_models(ctx: Context, config: dict[str, Any]) -> list[dict[str, str]]:
    engine = engine_of(config)
    if engine == "openai":
        return list(openai_images.MODELS)
    client = await engine_connection(ctx, config)
    try:
        async with asyncio.timeout(ctx.settings.upstreams.model_list_timeout):
            if engine == "comfyui":
                return await comfyui.models(client)
            return await automatic1111.models(client)
    except EngineError as error:
        raise domain_error(error) from None
    except TimeoutError:
        raise EngineTimeout(f"{client.engine} did not list its models in time.",
                            reason="image_engine_timeout") from None
