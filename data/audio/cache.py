"""Generated speech kept on disk, as Open WebUI keeps it (`<data>/cache/audio/speech`):
`<hash>.audio` beside `<hash>.json` (the request and the audio's format). A reader sees
both whole or neither: each is written to a temporary name and renamed, the sidecar last."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CachedSpeech:
    path: Path
    format: str


class SpeechCache:
    def __init__(self, root: Path):
        self.root = root

    @staticmethod
    def key(payload: dict[str, Any], engine: str) -> str:
        """One key per request body (text, voice, model, parameters) and engine."""
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode() + engine.encode()).hexdigest()

    def get(self, key: str) -> CachedSpeech | None:
        audio, sidecar = self.root / f"{key}.audio", self.root / f"{key}.json"
        try:
            meta = json.loads(sidecar.read_text())
        except (OSError, ValueError):
            return None
        if not audio.is_file() or not isinstance(meta, dict):
            return None
        return CachedSpeech(audio, str(meta.get("format") or "mp3"))

    def put(self, key: str, payload: dict[str, Any], audio: bytes, fmt: str) -> CachedSpeech:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{key}.audio"
        self._write(path, audio)
        self._write(self.root / f"{key}.json",
                    json.dumps({"request": payload, "format": fmt}).encode())
        return CachedSpeech(path, fmt)

    def _write(self, path: Path, data: bytes) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
