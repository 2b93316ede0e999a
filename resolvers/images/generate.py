"""Generating images: checked in the caller's (read) unit of work, made by the engine
with no transaction open, then stored as the caller's files in a short write
transaction of their own, linked to the chat message they were made for. Nothing is
stored when any step fails, and no stored bytes outlive a failed commit."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from data.engines.image_jobs import Image, ImageJob, Progress
from data.repos.files import FileRepo
from data.tables import FileRow
from resolvers.chats.access import readable_summary
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, Invalid
from resolvers.files import FileUpload, upload_file
from resolvers.files.files import uploads
from resolvers.images.config import read_image_config
from resolvers.images.engines import engine_models, engine_of, plan_job, run_engine
from resolvers.knowledge.rules import writing
from resolvers.permissions import require_verified
from resolvers.users.permissions import allows, effective_permissions

MAX_ID = 200  # characters of a chat or message id


@dataclass(frozen=True)
class ImageRequest:
    """What a surface received; the values are checked here (shapes included), so every
    surface refuses alike."""

    prompt: Any
    model: Any = None
    size: Any = None
    n: Any = 1
    steps: Any = None
    negative_prompt: Any = None
    chat_id: str | None = None
    message_id: str | None = None


class ChatTarget(Protocol):
    """Where images belong: a chat and its message, or nowhere."""

    chat_id: str | None
    message_id: str | None


async def require_images(ctx: Context, switch: str = "ENABLE_IMAGE_GENERATION"
                         ) -> tuple[Viewer, dict[str, Any]]:
    viewer = await require_verified(ctx)
    config = await read_image_config(ctx)
    if not config[switch]:
        what = "Image editing" if switch == "ENABLE_IMAGE_EDIT" else "Image generation"
        raise Forbidden(f"{what} is switched off on this server.", reason="images_disabled")
    assert viewer.user is not None
    if viewer.role != "admin" and not allows(await effective_permissions(ctx, viewer.user),
                                             "features.image_generation"):
        raise Forbidden("This account may not generate images.", reason="images_forbidden")
    return viewer, config


async def check_chat(ctx: Context, viewer: Viewer, request: ChatTarget) -> None:
    if request.chat_id is None:
        if request.message_id is not None:
            raise Invalid("A message id needs its chat id.", reason="image_request",
                          field="chatId")
        return
    for name, value in (("chatId", request.chat_id), ("messageId", request.message_id)):
        if value is not None and (not isinstance(value, str) or not value
                                  or len(value) > MAX_ID or "\x00" in value):
            raise Invalid(f"{name} is not an id.", reason="image_request", field=name)
    chat = await readable_summary(ctx, viewer, request.chat_id)
    if chat.user_id != viewer.id:
        raise Forbidden("Images are added only to your own chats.", reason="chat_not_owned")


async def generate_images(ctx: Context, request: ImageRequest,
                          progress: Progress | None = None) -> list[FileRow]:
    """Verified users allowed `features.image_generation` (administrators always), while
    ENABLE_IMAGE_GENERATION is on: the images as the caller's files, in the order made.
    `progress(step, steps)` is called as a slow engine (ComfyUI) reports it."""
    async with ctx.unit_of_work():
        viewer, config = await require_images(ctx)
        job = plan_job(config, ctx.settings.images, prompt=request.prompt,
                       model=request.model, size=request.size, n=request.n,
                       steps=request.steps, negative_prompt=request.negative_prompt,
                       progress=progress)
        await check_chat(ctx, viewer, request)
    images = await run_engine(ctx, config, job)
    return await store_images(ctx, images, job, engine_of(config), request)


async def store_images(ctx: Context, images: list[Image], job: ImageJob, engine: str,
                       request: ChatTarget) -> list[FileRow]:
    rows: list[FileRow] = []
    try:
        async with writing(ctx) as side:
            for index, image in enumerate(images, start=1):
                meta = {"generated": "image", "engine": engine, "model": job.model,
                        "size": job.size, "prompt": job.prompt[:1000],
                        "chat_id": request.chat_id, "message_id": request.message_id}
                rows.append(await upload_file(side, FileUpload(
                    name=f"generated-image-{index}.{image.extension}",
                    source=io.BytesIO(image.data), content_type=image.content_type,
                    metadata=meta, process=False)))
            if request.chat_id is not None:
                await FileRepo(side.session).link_to_chat(
                    user_id=rows[0].user_id, chat_id=request.chat_id,
                    message_id=request.message_id, file_ids=[row.id for row in rows])
    except BaseException:
        store = uploads(ctx)
        await asyncio.to_thread(lambda: [store.remove(row.path) for row in rows])
        raise
    return rows


async def list_image_models(ctx: Context) -> list[dict[str, str]]:
    """Verified users: the configured engine's models ({id, name}); an engine that
    cannot be asked is an error, as in Open WebUI."""
    async with ctx.unit_of_work():
        await require_verified(ctx)
        config = await read_image_config(ctx)
    return await engine_models(ctx, config)


async def follow_image_generation(ctx: Context, request: ImageRequest
                                  ) -> AsyncIterator[tuple[int, int] | list[FileRow]]:
    """As generate_images, for a stream: each (step, steps) the engine reports, then the
    files. The generation stops when the stream is closed."""
    events: asyncio.Queue[tuple[int, int]] = asyncio.Queue()

    async def progress(step: int, steps: int) -> None:
        events.put_nowait((step, steps))

    work = asyncio.ensure_future(generate_images(ctx, request, progress))
    try:
        while not work.done():
            waiting = asyncio.ensure_future(events.get())
            await asyncio.wait({work, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if waiting.done():
                yield waiting.result()
            else:
                waiting.cancel()
        while not events.empty():
            yield events.get_nowait()
        yield work.result()
    finally:
        work.cancel()
