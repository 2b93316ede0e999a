"""Speech to text through the configured OpenAI-compatible engine, in its multipart or
JSON request format. The upload is checked before anything is sent: Open WebUI's content
type and extension rules, not empty, within the size one engine request takes, and audio
by its first bytes.

Open WebUI splits longer files with pydub and ffmpeg; this server has neither, so a file
over the limit is refused (413) with a message saying so.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from data.audio.formats import HEAD_SIZE, audio_format
from data.llm.base import UpstreamRefused
from data.uploads import extension
from resolvers.audio.engines import checked_engine, engine_errors, require_audio, section_settings
from resolvers.context import Context
from resolvers.errors import DomainError, Invalid
from resolvers.files import file_blob

MAX_AUDIO_UPLOAD = 20 * 1024**2  # Open WebUI's MAX_FILE_SIZE_MB for one engine request
DEFAULT_CONTENT_TYPES = ("audio/*", "video/webm")
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")


class AudioTooLarge(DomainError):
    code, status = "PAYLOAD_TOO_LARGE", 413


def audio_too_large() -> AudioTooLarge:
    return AudioTooLarge(
        f"Audio files over {MAX_AUDIO_UPLOAD // 1024**2} MB are not transcribed: splitting "
        "them needs ffmpeg, which this server does not use. Send a shorter or more "
        "compressed recording.", reason="audio_too_large")


@dataclass(frozen=True)
class AudioUpload:
    name: str
    source: BinaryIO
    content_type: str | None = None


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    extension: str = ""  # the upload's, as checked
    language: str | None = None
    duration: float | None = None
    segments: list[Segment] = field(default_factory=list)


async def check_transcriber(ctx: Context) -> None:
    """Approved accounts with `chat.stt`, when an engine is configured: surfaces ask
    before they read an upload."""
    await require_audio(ctx, "stt")
    await checked_engine(ctx, "stt", await section_settings(ctx, "stt"))


def _invalid(message: str, reason: str = "invalid_audio") -> Invalid:
    return Invalid(message, reason=reason, field="file")


def _read_checked(upload: AudioUpload, settings: dict[str, Any]) -> tuple[bytes, str]:
    media = (upload.content_type or "").partition(";")[0].strip().lower()
    allowed_types = settings["SUPPORTED_CONTENT_TYPES"] or DEFAULT_CONTENT_TYPES
    if not any(fnmatch.fnmatch(media, pattern) for pattern in allowed_types):
        raise _invalid(f"Content type {media or '(none)'} is not an audio type accepted "
                       "here.", "audio_content_type")
    ext = extension(upload.name)
    allowed = settings["ALLOWED_EXTENSIONS"]
    if allowed and ext not in allowed:
        raise _invalid(f"File type {ext or '(none)'} is not allowed; send one of "
                       f"{', '.join(allowed)}.", "audio_extension")
    upload.source.seek(0)
    data = upload.source.read(MAX_AUDIO_UPLOAD + 1)
    if not data:
        raise _invalid("The audio file is empty.", "audio_empty")
    if len(data) > MAX_AUDIO_UPLOAD:
        raise audio_too_large()
    if audio_format(data[:HEAD_SIZE]) is None:
        raise _invalid("The file is not audio in a format we know (mp3, mp4/m4a, wav, "
                       "webm, ogg, flac, aac).", "not_audio")
    return data, "ogg" if ext == "oga" else ext


def _fields(settings: dict[str, Any], language: str | None, verbose: bool) -> dict[str, str]:
    fields = {"model": settings["MODEL"] or "whisper-1"}
    if language:
        fields["language"] = language
    if verbose:
        fields["response_format"] = "verbose_json"
    return fields


async def transcribe_audio(ctx: Context, upload: AudioUpload, *, language: str | None = None,
                           verbose: bool = False) -> Transcript:
    """Approved accounts with `chat.stt`: the text of `upload`, with timed segments when
    `verbose` and the engine gives them. Nothing is stored."""
    await require_audio(ctx, "stt")
    settings = await section_settings(ctx, "stt")
    engine = await checked_engine(ctx, "stt", settings)
    if language is not None and not LANGUAGE.fullmatch(language):
        raise Invalid("`language` must be a language code such as en or pt-BR.",
                      reason="invalid_language", field="language")
    audio, ext = await asyncio.to_thread(_read_checked, upload, settings)
    as_json = settings["OPENAI_API_REQUEST_FORMAT"] == "json"
    with engine_errors():
        try:
            answer = await engine.transcribe(audio, filename=upload.name, fmt=ext,
                                             fields=_fields(settings, language, verbose),
                                             as_json=as_json)
        except UpstreamRefused as refused:
            if not (language or verbose) or refused.status not in (400, 422):
                raise
            # As Open WebUI: once more without the language (and here without asking
            # for segments, which not every engine offers).
            answer = await engine.transcribe(audio, filename=upload.name, fmt=ext,
                                             fields=_fields(settings, None, False),
                                             as_json=as_json)
    return _transcript(answer, ext)


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None


def _transcript(answer: dict[str, Any], ext: str) -> Transcript:
    segments = []
    for item in answer.get("segments") or []:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            start, end = _number(item.get("start")), _number(item.get("end"))
            if start is not None and end is not None:
                segments.append(Segment(start, end, item["text"]))
    language = answer.get("language")
    return Transcript(answer["text"].strip(), ext, language if isinstance(language, str) else None,
                      _number(answer.get("duration")), segments)


async def transcribe_file(ctx: Context, file_id: str, *, language: str | None = None
                          ) -> Transcript:
    """Who may read the file and use speech to text: its transcript, with segments when
    the engine gives them."""
    async with ctx.unit_of_work():
        row, path = await file_blob(ctx, file_id)
    meta = row.meta if isinstance(row.meta, dict) else {}
    with open(path, "rb") as source:  # noqa: ASYNC230 (read in a thread below)
        upload = AudioUpload(row.filename, source, meta.get("content_type"))
        return await transcribe_audio(ctx, upload, language=language, verbose=True)
