"""Text to speech and speech to text. Both call an engine, so they hold no write
transaction while it works: `speak` stores its file in a short transaction of its own
(send it in an operation without other changes) and `transcribe` stores nothing."""

from typing import Annotated

import strawberry

from resolvers import audio
from schema.audio.types import Transcript
from schema.context import Info
from schema.files.types import File

OWN = {"writes": False}


@strawberry.input(description="What to speak (OpenAI's speech request; the model is the "
                              "configured one).")
class SpeakInput:
    input: str = strawberry.field(description="The text, at most 4,096 characters.")
    voice: str | None = strawberry.field(default=None,
                                         description="The voice; the configured one if "
                                                     "left out.")
    response_format: str | None = strawberry.field(
        default=None, description="mp3 (default), opus, aac, flac, wav or pcm.")
    speed: float | None = strawberry.field(default=None, description="0.25 to 4.0.")


@strawberry.input(description="Which audio file to transcribe.")
class TranscribeInput:
    file_id: strawberry.ID = strawberry.field(description="The audio file (one you may "
                                                          "read).")
    language: str | None = strawberry.field(default=None, description="The language spoken "
                                                                      "(e.g. en), if known.")


@strawberry.type
class AudioMutations:
    @strawberry.mutation(description="Speak a text through the configured engine (accounts "
                                     "allowed text to speech); the audio is stored as a "
                                     "file of the caller's.", metadata=OWN)
    async def speak(
        self, info: Info,
        input: Annotated[SpeakInput, strawberry.argument(description="What to speak.")],
    ) -> File:
        body = {"input": input.input, "voice": input.voice,
                "response_format": input.response_format, "speed": input.speed}
        row = await audio.speak(info.context, {k: v for k, v in body.items()
                                               if v is not None})
        return File.from_row(row)

    @strawberry.mutation(description="Transcribe an audio file one may read (accounts "
                                     "allowed speech to text); nothing is stored.",
                         metadata=OWN)
    async def transcribe(
        self, info: Info,
        input: Annotated[TranscribeInput, strawberry.argument(description="What to "
                                                                          "transcribe.")],
    ) -> Transcript:
        return Transcript.from_result(await audio.transcribe_file(
            info.context, str(input.file_id), language=input.language))
