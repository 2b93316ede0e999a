"""An OpenAI-compatible speech engine (`/audio/speech`, `/audio/transcriptions`, and the
`/audio/models` and `/audio/voices` lists some servers add), called through the process's
one upstream client (data/llm/upstreams.py): its timeouts, proxies and error summaries.

Whatever goes wrong is an UpstreamError whose message names the engine, never its URL,
its key, or more than a line of what it answered.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from data.audio.formats import HEAD_SIZE, audio_format
from data.llm.base import OPENAI, Connection, UpstreamBroken, UpstreamError, UpstreamTimeout
from data.llm.streams import Interruptible
from data.llm.upstreams import Upstreams

MAX_TRANSCRIPT = 16 * 1024 * 1024
MAX_LIST = 1024 * 1024


@dataclass(frozen=True)
class MultipartConnection(Connection):
    """A connection whose requests carry a multipart body instead of JSON."""

    boundary: str = ""

    def request_headers(self) -> dict[str, str]:
        headers = super().request_headers()
        headers["Content-Type"] = f"multipart/form-data; boundary={self.boundary}"
        return headers


@dataclass(frozen=True)
class Speech:
    audio: bytes
    format: str  # the container's extension (mp3, wav, ...) or "pcm"


class SpeechEngine:
    def __init__(self, upstreams: Upstreams, base_url: str, key: str, name: str,
                 timeout: float | None = None):
        self.upstreams, self.name, self.timeout = upstreams, name, timeout
        self.connection = Connection(kind=OPENAI, idx=0, base_url=base_url, key=key)

    async def _call(self, connection: Connection, method: str, path: str,
                    body: bytes | None, limit: int, *, too_large: str) -> tuple[bytes, str]:
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self.upstreams.open(connection, method, path, body,
                                                   Interruptible())
                if answer.status >= 400:
                    raise await answer.refused((connection.key,) if connection.key else ())
                try:
                    raw = await answer.read_all(limit + 1)
                finally:
                    await answer.aclose()
        except TimeoutError:
            raise UpstreamTimeout(f"{self.name} did not answer whole within "
                                  f"{self.timeout:g} s.") from None
        except UpstreamError as error:
            # Its message names "OpenAI connection 0", which means nothing here.
            error.message = error.message.replace(connection.label, self.name)
            error.args = (error.message,)
            raise
        if len(raw) > limit:
            raise UpstreamBroken(f"{self.name} answered more than {too_large}; the answer "
                                 "was not kept.")
        return raw, answer.content_type

    async def speech(self, payload: dict[str, Any], *, limit: int) -> Speech:
        """Audio for `payload` (OpenAI's speech request), refused unless it is audio."""
        raw, content_type = await self._call(
            self.connection, "POST", "/audio/speech", json.dumps(payload).encode(), limit,
            too_large=f"{limit // 1024**2} MB of audio")
        found = audio_format(raw[:HEAD_SIZE])
        media = content_type.partition(";")[0].strip().lower()
        if not raw:
            raise UpstreamBroken(f"{self.name} answered no audio.")
        if found is None and not (payload.get("response_format") == "pcm"
                                  and media in ("audio/pcm", "application/octet-stream")):
            raise UpstreamBroken(f"{self.name} answered something that is not audio "
                                 f"({media or 'no content type'}).")
        return Speech(raw, found or "pcm")

    async def transcribe(self, audio: bytes, *, filename: str, fmt: str,
                         fields: dict[str, str], as_json: bool) -> dict[str, Any]:
        """The engine's transcript object (at least `text`), from multipart or JSON."""
        connection: Connection = self.connection
        if as_json:
            body = json.dumps({**fields, "input_audio": {
                "data": base64.b64encode(audio).decode(), "format": fmt}}).encode()
        else:
            boundary = uuid.uuid4().hex
            connection = MultipartConnection(**vars(self.connection), boundary=boundary)
            body = _multipart(boundary, fields, filename, audio)
        raw, _ = await self._call(connection, "POST", "/audio/transcriptions", body,
                                  MAX_TRANSCRIPT, too_large="16 MB of transcript")
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("text"), str):
            raise UpstreamBroken(f"{self.name} did not answer a transcript (JSON with a "
                                 "`text`).")
        return answer

    async def listing(self, path: str) -> Any:
        """A small JSON list some servers offer (`/audio/models`, `/audio/voices`)."""
        raw, _ = await self._call(self.connection, "GET", path, None, MAX_LIST,
                                  too_large="1 MB")
        try:
            return json.loads(raw)
        except ValueError:
            raise UpstreamBroken(f"{self.name} answered {path} with something that is not "
                                 "JSON.") from None


def _multipart(boundary: str, fields: dict[str, str], filename: str, data: bytes) -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    quoted = filename.replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
