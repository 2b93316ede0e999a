"""A scripted OpenAI-compatible speech server on a real socket: `POST /v1/audio/speech`
answers audio bytes, `POST /v1/audio/transcriptions` reads OpenAI's multipart form (or
the JSON `input_audio` shape) and answers `{"text"}` or verbose_json with segments, and
`GET /v1/audio/models|voices` list what it has. Knobs play the faults: an error status,
a hang before answering, an answer that is not audio, a huge answer, a dropped connection.
Every request is recorded with its parsed body."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import wave
from dataclasses import dataclass, field
from typing import Any

from tests.support.local_server import LocalServer

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(400)


def wav_bytes(seconds: float = 0.1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(int(8000 * seconds) * 2))
    return out.getvalue()


@dataclass
class Heard:
    method: str
    path: str
    headers: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)  # form fields or JSON members
    file: bytes | None = None
    json: Any = None


@dataclass
class AudioScript:
    status: int = 200
    hang: bool = False  # never answer
    # mp3 | json (not audio) | big (`big_bytes` of audio) | close | trickle (a byte
    # every 0.2 s, never ending)
    speech: str = "mp3"
    big_bytes: int = 200 * 1024**2
    refuse_verbose: bool = False  # 400 for response_format=verbose_json, as gpt-4o models
    transcript: str = "hello from the scripted engine"
    transcript_body: bytes | None = None  # answered as is instead of the JSON transcript
    voices: list | None = None
    models: list | None = None


class ScriptedAudio(LocalServer):
    def __init__(self, key: str | None = None):
        super().__init__()
        self.key = key
        self.plan = AudioScript()
        self.heard: list[Heard] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def calls(self, path: str) -> list[Heard]:
        return [h for h in self.heard if h.path == f"/v1{path}"]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if ":" in line)}
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                heard = _parse(method, path, headers, body)
                self.heard.append(heard)
                if not await self._answer(heard, reader, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(self, heard: Heard, reader, writer) -> bool:
        plan = self.plan
        if self.key and heard.headers.get("authorization") != f"Bearer {self.key}":
            return await _send(writer, 401, _error("Incorrect API key provided: sk-wr***."))
        if plan.hang:
            with contextlib.suppress(Exception):
                while await reader.read(65536):
                    pass
            return False
        if plan.status >= 400:
            return await _send(writer, plan.status, _error("the engine failed: overloaded"))
        if heard.path == "/v1/audio/speech":
            return await self._speech(writer)
        if heard.path == "/v1/audio/transcriptions":
            verbose = heard.fields.get("response_format") == "verbose_json"
            if verbose and plan.refuse_verbose:
                return await _send(writer, 400, _error("response_format 'verbose_json' is "
                                                       "not compatible with this model"))
            if plan.transcript_body is not None:
                return await _send(writer, 200, plan.transcript_body, "text/html")
            answer: dict[str, Any] = {"text": plan.transcript}
            if verbose:
                answer |= {"task": "transcribe", "language": "english", "duration": 2.5,
                           "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 1.2,
                                         "text": " hello from", "temperature": 0.0},
                                        {"id": 1, "seek": 0, "start": 1.2, "end": 2.5,
                                         "text": " the scripted engine",
                                         "temperature": 0.0}]}
            return await _send(writer, 200, json.dumps(answer).encode())
        if heard.path == "/v1/audio/voices" and plan.voices is not None:
            return await _send(writer, 200, json.dumps({"voices": plan.voices}).encode())
        if heard.path == "/v1/audio/models" and plan.models is not None:
            return await _send(writer, 200, json.dumps({"models": plan.models}).encode())
        return await _send(writer, 404, _error("not found"))

    async def _speech(self, writer) -> bool:
        kind = self.plan.speech
        if kind == "json":
            return await _send(writer, 200, b'{"status": "queued"}')
        if kind == "close":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n"
                         b"Content-Length: 100000\r\n\r\n" + MP3[:50])
            await writer.drain()
            return False
        if kind == "trickle":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n"
                         b"Content-Length: 100000000\r\n\r\n" + MP3)
            while True:
                await writer.drain()
                await asyncio.sleep(0.2)
                writer.write(b"\0")
        if kind == "big":
            size = self.plan.big_bytes
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n"
                         f"Content-Length: {size}\r\n\r\n".encode() + MP3)
            block, sent = bytes(1024**2), len(MP3)
            while sent < size:
                writer.write(block[:size - sent])
                sent += len(block)
                await writer.drain()
            return True
        return await _send(writer, 200, MP3, "audio/mpeg")


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                 "param": None, "code": None}}).encode()


async def _send(writer, status: int, data: bytes, kind: str = "application/json") -> bool:
    writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    await writer.drain()
    return True


def _parse(method: str, path: str, headers: dict[str, str], body: bytes) -> Heard:
    heard = Heard(method, path, headers)
    kind = headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        boundary = kind.split("boundary=", 1)[1].encode()
        for part in body.split(b"--" + boundary)[1:-1]:
            head, _, value = part[2:-2].partition(b"\r\n\r\n")
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
            if b"filename=" in head:
                heard.file = value
            else:
                heard.fields[name] = value.decode()
    elif body:
        heard.json = json.loads(body)
        if isinstance(heard.json, dict):
            heard.fields = {k: v for k, v in heard.json.items() if isinstance(v, str)}
    return heard
