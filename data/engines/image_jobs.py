"""What every image engine is given and gives back, and how its bytes are recognised."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from data.engines.transport import NOT_IMAGE, EngineError

Progress = Callable[[int, int], Awaitable[None]]  # (step, of steps)


async def _no_progress(step: int, steps: int) -> None:
    return None


@dataclass(frozen=True)
class ImageJob:
    """One generation, already checked against the limits. `size` is "WxH" or "auto"."""

    prompt: str
    model: str
    size: str
    n: int
    steps: int
    negative_prompt: str = ""
    params: dict[str, Any] = field(default_factory=dict)  # the engine's configured extras
    progress: Progress = _no_progress

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0]) if self.size != "auto" else 1024

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1]) if self.size != "auto" else 1024


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return self.content_type.split("/")[1].replace("jpeg", "jpg")


IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})


def sniff(data: bytes) -> str | None:
    """The image type its first bytes say (puremagic's signatures), for the formats
    engines produce."""
    import puremagic

    try:
        matches = puremagic.magic_string(data[:512])
    except (puremagic.PureError, ValueError):
        return None
    kind = matches[0].mime_type if matches else None
    return kind if kind in IMAGE_TYPES else None


def image_of(engine: str, data: bytes) -> Image:
    kind = sniff(data)
    if kind is None:
        raise EngineError(NOT_IMAGE, f"{engine} answered with something that is not an "
                                     "image.")
    return Image(data, kind)


def decoded_image(engine: str, text: Any) -> Image:
    """An image sent as base64 (a data URL's prefix allowed)."""
    if not isinstance(text, str) or not text:
        raise EngineError(NOT_IMAGE, f"{engine} answered without an image.")
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EngineError(NOT_IMAGE, f"{engine} answered with an image that is not valid "
                                     "base64.") from None
    return image_of(engine, data)


async def decoded_images(engine: str, texts: list[Any]) -> list[Image]:
    """Several base64 images; decoded in a worker thread when they are large."""
    if sum(len(t) for t in texts if isinstance(t, str)) < 1024 * 1024:
        return [decoded_image(engine, text) for text in texts]
    return await asyncio.to_thread(lambda: [decoded_image(engine, text) for text in texts])
