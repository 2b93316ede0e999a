"""Which audio container a file's first bytes announce, read by puremagic (its signature
tables), narrowed to the containers an OpenAI-compatible engine takes."""

from __future__ import annotations

HEAD_SIZE = 512  # enough bytes for every container's signature below

# puremagic's answers (media type, or extension where it gives none) -> our name.
_BY_MIME = {"audio/wave": "wav", "audio/wav": "wav", "audio/x-wav": "wav",
            "audio/mpeg": "mp3", "audio/aac": "aac", "audio/ogg": "ogg",
            "audio/flac": "flac", "audio/x-flac": "flac", "video/webm": "webm",
            "audio/webm": "webm", "audio/mp4": "m4a", "video/mp4": "mp4"}
_BY_EXTENSION = {".m4a": "m4a", ".mp3": "mp3", ".mpga": "mp3", ".wav": "wav",
                 ".ogg": "ogg", ".oga": "ogg", ".flac": "flac", ".webm": "webm",
                 ".aac": "aac", ".mp4": "mp4"}


def audio_format(head: bytes) -> str | None:
    """The container's usual extension, or None when the bytes are no audio we know."""
    if not head:
        return None
    import puremagic  # on the first audio (1.3 MB of signature tables), as images do

    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    if not matches:
        return None
    best = matches[0]  # the most specific signature (a bare RIFF header also looks like WAV)
    return _BY_MIME.get(best.mime_type) or _BY_EXTENSION.get(best.extension)


MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg",
               "flac": "audio/flac", "webm": "audio/webm", "m4a": "audio/mp4",
               "mp4": "audio/mp4", "aac": "audio/aac"}
