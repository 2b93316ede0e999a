"""Generating images: as a mutation (the files when they are ready), and as a
subscription that also reports a slow engine's progress. Both store the images as the
caller's files, linked to a chat message when one is named, in a transaction of their
own (so the mutation does not share its operation's)."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers import images
from schema.context import Info
from schema.files.types import File


@strawberry.input(description="What to draw, and where the images belong.")
class GenerateImageInput:
    prompt: str = strawberry.field(description="What the image shows.")
    model: str | None = strawberry.field(default=None, description="AUTOMATIC1111's "
                                         "checkpoint; the other engines use the configured "
                                         "model.")
    size: str | None = strawberry.field(default=None, description='"WIDTHxHEIGHT"; the '
                                        "configured size when left out.")
    n: int = strawberry.field(default=1, description="How many images.")
    steps: int | None = strawberry.field(default=None, description="Sampling steps.")
    negative_prompt: str | None = strawberry.field(default=None, description="What the "
                                                   "image must not show.")
    chat_id: strawberry.ID | None = strawberry.field(default=None, description="Your chat "
                                                     "the images are made for.")
    message_id: strawberry.ID | None = strawberry.field(default=None, description="Its "
                                                        "message they belong to.")


def _request(input: GenerateImageInput) -> images.ImageRequest:
    return images.ImageRequest(
        prompt=input.prompt, model=input.model, size=input.size, n=input.n,
        steps=input.steps, negative_prompt=input.negative_prompt,
        chat_id=str(input.chat_id) if input.chat_id is not None else None,
        message_id=str(input.message_id) if input.message_id is not None else None)


@strawberry.type(description="How far a slow engine is.")
class ImageProgress:
    step: int = strawberry.field(description="Steps done.")
    steps: int = strawberry.field(description="Steps in all (0 when the engine did not "
                                              "say).")


@strawberry.type(description="The images, stored as your files.")
class ImagesGenerated:
    files: list[File] = strawberry.field(description="The images, in the order made.")


ImageGenerationEvent = Annotated[ImageProgress | ImagesGenerated, strawberry.union(
    "ImageGenerationEvent", description="Progress, or the finished images (the last event).")]


@strawberry.type
class ImageMutations:
    @strawberry.mutation(description="Generate images with the configured engine (approved "
                                     "accounts allowed image generation, while it is on).",
                         metadata={"writes": False})
    async def generate_image(self, info: Info, input: Annotated[
            GenerateImageInput, strawberry.argument(description="What to draw.")]
            ) -> list[File]:
        rows = await images.generate_images(info.context, _request(input))
        return [File.from_row(row) for row in rows]


@strawberry.type
class ImageSubscriptions:
    @strawberry.subscription(description="Generate images as generateImage does, reporting "
                                          "the engine's progress (ComfyUI reports it), then "
                                          "the files. A failure ends it with an error.")
    async def image_generation(self, info: Info, input: Annotated[
            GenerateImageInput, strawberry.argument(description="What to draw.")]
            ) -> AsyncGenerator[ImageGenerationEvent, None]:
        async for event in images.follow_image_generation(info.context, _request(input)):
            if isinstance(event, tuple):
                yield ImageProgress(step=event[0], steps=event[1])
            else:
                yield ImagesGenerated(files=[File.from_row(row) for row in event])
