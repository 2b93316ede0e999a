"""Editing images (Open WebUI's `/images/edit`): the same checks, engine call and
storage as generation, under the edit settings (IMAGE_EDIT_ENGINE, _MODEL, _SIZE, and
IMAGES_EDIT_OPENAI_* falling back to the generation ones), with source images the
caller names: a data URL, or a file id / files URL of a file the caller may read. Web
URLs are refused rather than fetched: a user must not make the server read its own
network (the engine URL rule allows loopback and private addresses)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from data.engines.image_jobs import Image, decoded_image, image_of
from data.engines.transport import EngineError
from data.tables import FileRow
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.files import file_blob
from resolvers.images.engines import engine_of, plan_job, run_engine
from resolvers.images.generate import check_chat, require_images, store_images

FILES_URL = re.compile(r"/api(?:/v1)?/files/([^/?#]+)(?:/content)?/?")


@dataclass(frozen=True)
class EditRequest:
    image: Any  # one reference or a list of them
    prompt: Any
    model: Any = None
    size: Any = None
    n: Any = 1
    negative_prompt: Any = None
    chat_id: str | None = None
    message_id: str | None = None


def edit_config(config: dict[str, Any]) -> dict[str, Any]:
    """The generation settings as the edit settings override them."""
    def either(edit: str, plain: str) -> Any:
        return config[edit] or config[plain]

    return {**config, "IMAGE_GENERATION_ENGINE": config["IMAGE_EDIT_ENGINE"],
            "IMAGE_GENERATION_MODEL": config["IMAGE_EDIT_MODEL"],
            "IMAGE_SIZE": either("IMAGE_EDIT_SIZE", "IMAGE_SIZE"),
            "IMAGES_OPENAI_API_BASE_URL": either("IMAGES_EDIT_OPENAI_API_BASE_URL",
                                                 "IMAGES_OPENAI_API_BASE_URL"),
            "IMAGES_OPENAI_API_KEY": either("IMAGES_EDIT_OPENAI_API_KEY",
                                            "IMAGES_OPENAI_API_KEY"),
            "IMAGES_OPENAI_API_VERSION": either("IMAGES_EDIT_OPENAI_API_VERSION",
                                                "IMAGES_OPENAI_API_VERSION")}


def _bad(message: str) -> Invalid:
    return Invalid(message, reason="image_request", field="image")


async def _source(ctx: Context, reference: Any, limit: int) -> Image:
    if not isinstance(reference, str) or not reference.strip():
        raise _bad("Each image is a data URL, a file id or a files URL.")
    reference = reference.strip()
    if reference.startswith("data:"):
        if len(reference) > limit * 4 // 3 + 100:
            raise _bad(f"An image is at most {limit // 1024**2} MB.")
        try:
            return decoded_image("The image", reference)
        except EngineError as error:
            raise _bad(error.message) from None
    if reference.startswith(("http://", "https://")):
        raise _bad("Images on the web are not fetched: upload the image and name its file.")
    match = FILES_URL.fullmatch(reference)
    file_id = match.group(1) if match else reference
    try:
        _, path = await file_blob(ctx, file_id)
    except NotFound:
        raise NotFound(f"No image file {file_id[:60]!r} you may read.",
                       reason="file_not_found") from None
    if (await asyncio.to_thread(path.stat)).st_size > limit:
        raise _bad(f"An image is at most {limit // 1024**2} MB.")
    data = await asyncio.to_thread(path.read_bytes)
    try:
        return image_of("The file", data)
    except EngineError:
        raise _bad(f"File {file_id[:60]!r} is not an image.") from None


async def edit_images(ctx: Context, request: EditRequest) -> list[FileRow]:
    """Verified users allowed `features.image_generation`, while ENABLE_IMAGE_EDIT is
    on: the edited images as the caller's files."""
    limits = ctx.settings.images
    async with ctx.unit_of_work():
        viewer, config = await require_images(ctx, "ENABLE_IMAGE_EDIT")
        config = edit_config(config)
        job = plan_job(config, limits, prompt=request.prompt, model=request.model,
                       size=request.size, n=request.n, steps=None,
                       negative_prompt=request.negative_prompt, progress=None)
        references = request.image if isinstance(request.image, list) else [request.image]
        if not 1 <= len(references) <= limits.max_count:
            raise _bad(f"Name 1 to {limits.max_count} images.")
        sources = [await _source(ctx, ref, limits.max_image_bytes) for ref in references]
        await check_chat(ctx, viewer, request)
    images = await run_engine(ctx, config, job, sources)
    return await store_images(ctx, images, job, engine_of(config), request)
