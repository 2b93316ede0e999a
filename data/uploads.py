"""Where uploaded files' bytes live: `<uploads>/<file id>_<safe name>`, Open WebUI's local
layout, so Open WebUI beside Parley finds them. Every path read or removed here is
checked to lie inside the uploads folder; no stored path is trusted."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

# Open WebUI falls back to `<id>.<ext>` when `<id>_<name>` is too long for the filesystem;
# names are also bounded here so that a row never names a path the disk refuses.
MAX_NAME_BYTES = 200
UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


def safe_name(name: str) -> str:
    """The last component of what a client sent as a name, without control characters,
    separators or a leading dot, NFC-normalised and at most MAX_NAME_BYTES of UTF-8;
    "file" when nothing is left. Keeps what people see (spaces, accents, CJK)."""
    name = unicodedata.normalize("NFC", name.replace("\x00", ""))
    # Both separators: a Windows client sends `C:\\Users\\me\\report.pdf`.
    name = PureWindowsPath(PurePosixPath(name).name).name
    # Lone surrogates (odd encodings) cannot be written to disk or JSON.
    name = name.encode("utf-8", "replace").decode("utf-8")
    name = UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if len(name.encode()) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and 0 < len(ext) <= 16 else ""
        keep = MAX_NAME_BYTES - len(ext.encode()) - 1
        stem = (stem if dot else name).encode()[:keep].decode("utf-8", "ignore")
        name = f"{stem}.{ext}" if ext else stem
    return name or "file"


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


class Uploads:
    """The uploads folder. `former` is an adopted database's old uploads folder: paths
    under it are read from this one."""

    def __init__(self, root: Path, former: str | None = None):
        self.root = root.resolve()
        self.former = former

    def path_for(self, file_id: str, name: str) -> Path:
        return self.root / f"{file_id}_{name}"

    def save(self, source: BinaryIO, file_id: str, name: str) -> tuple[Path, int, str]:
        """Copy `source` to the file's place; returns the path, size and SHA-256. A copy
        that fails leaves nothing behind."""
        target = self.path_for(file_id, name)
        digest, size = hashlib.sha256(), 0
        try:
            with open(target, "xb") as out:
                while block := source.read(1024 * 1024):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target, size, digest.hexdigest()

    def write_text(self, file_id: str, name: str, text: str) -> Path:
        target = self.path_for(file_id, name)
        target.write_text(text, encoding="utf-8")
        return target

    def locate(self, stored: str | None) -> Path | None:
        """The readable file a row's `path` names, or None when it is missing, not a
        local path, or (after resolving links and `..`) outside the uploads folder."""
        if not stored or "://" in stored or "\x00" in stored:
            return None
        if self.former and stored.startswith(self.former + "/"):
            stored = str(self.root / stored[len(self.former) + 1:])
        try:
            path = Path(stored).resolve()
        except (OSError, RuntimeError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def remove(self, stored: str | None) -> None:
        path = self.locate(stored)
        if path is not None:
            path.unlink(missing_ok=True)

    def remove_all(self) -> None:
        for entry in os.scandir(self.root):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                Path(entry.path).unlink(missing_ok=True)
