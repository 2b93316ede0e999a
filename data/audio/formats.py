"""Which audio container a file's first bytes announce.

Neither `filetype` nor `puremagic` is in the lock, and the formats an OpenAI-compatible
engine takes are few (mp3, mp4/m4a, wav, webm, ogg, flac, aac), each with a fixed
signature, so the check reads those signatures itself rather than adding a dependency.
"""

from __future__ import annotations

HEAD_SIZE = 16  # bytes enough for every signature below


def audio_format(head: bytes) -> str | None:
    """The container's usual extension, or None when the bytes are no audio we know."""
    if head.startswith(b"ID3"):
        return "mp3"  # an ID3v2 tag before the frames
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"  # Matroska/WebM (EBML header)
    if head[4:8] == b"ftyp":
        return "m4a" if head[8:11] == b"M4A" else "mp4"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # An MPEG frame sync: layer bits 00 are AAC in ADTS, the others MPEG audio.
        return "aac" if head[1] & 0x06 == 0 else "mp3"
    return None


MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg",
               "flac": "audio/flac", "webm": "audio/webm", "m4a": "audio/mp4",
               "mp4": "audio/mp4", "aac": "audio/aac"}
