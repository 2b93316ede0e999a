"""OpenAI's image API (`POST {base}/images/generations`), as Open WebUI calls it: the
configured model, `b64_json` unless the model answers with URLs anyway (gpt-image), the
configured extra parameters; URLs in the answer are fetched, with the key only when they
are on the engine's own origin."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from data.engines.image_jobs import (
    Image,
    ImageJob,
    decoded_image,
    decoded_images,
    image_of,
)
from data.engines.transport import NOT_IMAGE, EngineError, EngineHttp, parse_json

ENGINE = "The OpenAI image engine"
URL_RESPONSE_MODELS = re.compile(r"^gpt-image")  # IMAGE_URL_RESPONSE_MODELS_REGEX_PATTERN
MODELS = [{"id": "dall-e-2", "name": "DALL·E 2"}, {"id": "dall-e-3", "name": "DALL·E 3"},
          {"id": "gpt-image-1", "name": "GPT-IMAGE 1"}]
# What each model accepts; other models (compatible servers) take any size in the limits.
MODEL_SIZES = {
    "dall-e-2": {"256x256", "512x512", "1024x1024"},
    "dall-e-3": {"1024x1024", "1792x1024", "1024x1792"},
    "gpt-image-1": {"1024x1024", "1536x1024", "1024x1536", "auto"},
}


def offered_sizes(model: str) -> set[str] | None:
    return MODEL_SIZES.get(model)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


async def generate(engine: EngineHttp, job: ImageJob, api_version: str,
                   check_url) -> list[Image]:
    """`check_url` vets a URL the answer names before it is fetched (the engine URL
    rule: an answer must not make us read a metadata service)."""
    payload = {"model": job.model, "prompt": job.prompt, "n": job.n, **job.params}
    if job.size:
        payload["size"] = job.size
    if not URL_RESPONSE_MODELS.match(job.model):
        payload["response_format"] = "b64_json"
    query = f"?api-version={api_version}" if api_version else ""
    answer = await engine.call_json("POST", f"/images/generations{query}", payload)
    return await _answered(engine, answer, job.n, check_url)


async def edit(engine: EngineHttp, job: ImageJob, sources: list[Image], api_version: str,
               check_url) -> list[Image]:
    """`POST {base}/images/edits`, a multipart form: the images as `image` (one) or
    `image[]` (several, gpt-image), the prompt, model, n and size."""
    fields = {"model": job.model, "prompt": job.prompt, "n": str(job.n)}
    if job.size:
        fields["size"] = job.size
    if not URL_RESPONSE_MODELS.match(job.model):
        fields["response_format"] = "b64_json"
    name = "image" if len(sources) == 1 else "image[]"
    files = [(name, f"image-{i}.{image.extension}", image.content_type, image.data)
             for i, image in enumerate(sources)]
    query = f"?api-version={api_version}" if api_version else ""
    data, _ = await engine.call("POST", f"/images/edits{query}",
                                raw=multipart(fields, files))
    try:
        answer = await parse_json(data)
    except ValueError:
        raise EngineError(NOT_IMAGE, f"{ENGINE} answered with something that is not "
                                     "JSON.") from None
    return await _answered(engine, answer, job.n, check_url)


def multipart(fields: dict[str, str], files: list[tuple[str, str, str, bytes]]
              ) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its content type."""
    boundary = f"parley-{uuid.uuid4().hex}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    for name, filename, content_type, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
                     .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


async def _answered(engine: EngineHttp, answer, n: int, check_url) -> list[Image]:
    items = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not items:
        raise EngineError(NOT_IMAGE, f"{ENGINE} answered without images.")
    items = [item if isinstance(item, dict) else {} for item in items[:n]]
    if all(item.get("b64_json") for item in items):
        return await decoded_images(ENGINE, [item["b64_json"] for item in items])
    images = []
    for item in items:
        if item.get("b64_json"):
            images.append(decoded_image(ENGINE, item["b64_json"]))
        elif isinstance(item.get("url"), str):
            images.append(await _fetch(engine, item["url"], check_url))
        else:
            raise EngineError(NOT_IMAGE, f"{ENGINE} answered without an image.")
    return images


async def _fetch(engine: EngineHttp, url: str, check_url) -> Image:
    await check_url(url)
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    same_origin = _origin(url) == _origin(engine.base_url)
    data, _ = await engine.call("GET", path or "/", base_url=base,
                                headers=engine.headers if same_origin else {})
    return image_of(ENGINE, data)
