"""Settings of uploads and their processing, read from the environment by
data/settings.py: Open WebUI's names where it has them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from data.env import whole_number


class FileSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class FileSettings:
    uploads_dir: Path
    # Open WebUI's rag.file.max_size is in MB and unlimited by default; an upload is
    # streamed to disk, so Parley still caps it, at a size no chat document reaches.
    max_size: int = 100 * 1024**2
    # Empty: every extension (Open WebUI's default); else lower-case, without the dot.
    allowed_extensions: tuple[str, ...] = ()
    # Where an adopted Open WebUI database's `file.path` values point (its old uploads
    # folder); such paths are read from `uploads_dir` instead.
    former_uploads_dir: str | None = None
    chunk_size: int = 1000
    chunk_overlap: int = 100
    markdown_header_split: bool = True
    # A document whose parts expand beyond this (a DOCX "zip bomb") is refused unread.
    max_expanded_size: int = 256 * 1024**2


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return whole_number(env, name, default, low, high, FileSettingsError)


def load_file_settings(env: Mapping[str, str], data_dir: Path) -> FileSettings:
    uploads = Path(env.get("UPLOAD_DIR") or data_dir / "uploads").resolve()
    try:
        uploads.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileSettingsError(f"UPLOAD_DIR={str(uploads)!r}: cannot create it "
                                f"({error.strerror})") from None
    max_mb = _int(env, "RAG_FILE_MAX_SIZE", 100, 1, 1024 * 1024)
    raw_ext = env.get("RAG_ALLOWED_FILE_EXTENSIONS") or ""
    extensions = tuple(sorted({e.strip().lower().lstrip(".") for e in raw_ext.split(",")
                               if e.strip().lstrip(".")}))
    size = _int(env, "CHUNK_SIZE", 1000, 1, 1_000_000)
    overlap = _int(env, "CHUNK_OVERLAP", 100, 0, 1_000_000)
    if overlap >= size:
        raise FileSettingsError(f"CHUNK_OVERLAP={overlap} must be smaller than "
                                f"CHUNK_SIZE={size}")
    header_split = (env.get("ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER") or "true").strip().lower()
    if header_split not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise FileSettingsError(f"ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER={header_split!r}: "
                                "expected true or false")
    former = (env.get("UPLOAD_DIR_FORMERLY") or "").strip().rstrip("/") or None
    return FileSettings(uploads_dir=uploads, max_size=max_mb * 1024**2,
                        allowed_extensions=extensions, former_uploads_dir=former,
                        chunk_size=size, chunk_overlap=overlap,
                        markdown_header_split=header_split in ("true", "1", "yes", "on"))
