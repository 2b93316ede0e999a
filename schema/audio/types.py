"""What speech to text answers on GraphQL."""

import strawberry

from resolvers.audio import Transcript as TranscriptResult


@strawberry.type(description="A timed piece of a transcript.")
class TranscriptSegment:
    start: float = strawberry.field(description="Where it starts, in seconds.")
    end: float = strawberry.field(description="Where it ends, in seconds.")
    text: str = strawberry.field(description="What was said.")


@strawberry.type(description="The text of a recording.")
class Transcript:
    text: str = strawberry.field(description="Everything that was said.")
    language: str | None = strawberry.field(description="The language the engine heard, "
                                                        "when it says.")
    duration: float | None = strawberry.field(description="The recording's length in "
                                                          "seconds, when the engine says.")
    segments: list[TranscriptSegment] = strawberry.field(
        description="Timed pieces, when the engine gives them (verbose_json); else empty.")

    @classmethod
    def from_result(cls, result: TranscriptResult) -> "Transcript":
        return cls(text=result.text, language=result.language, duration=result.duration,
                   segments=[TranscriptSegment(start=s.start, end=s.end, text=s.text)
                             for s in result.segments])
