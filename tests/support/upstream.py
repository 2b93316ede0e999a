"""A scripted model server on a real socket that speaks Ollama's API (`/api/*`) and
OpenAI's (`/v1/*`) on one port, so tests exercise timeouts, streaming and cancellation
for real. Each model follows a `Script`: how many chunks, how fast, and what goes wrong
(an error status, a hang, a connection closed mid-answer, a 300 KB chunk, a line that is
not JSON). Every request is recorded, and every streamed answer records whether the
client closed it early. With `tls=True` it serves HTTPS under a self-signed certificate
(tests/support/certificate.py), which a verifying client refuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.support.certificate import self_signed_files
from tests.support.local_server import LocalServer

OLLAMA_VERSION = "0.6.5"
STAMP = "@T@"  # replaced with the send time in stamped scripts


@dataclass
class Script:
    chunks: int = 3
    delay: float = 0.0  # seconds between chunks
    status: int = 200  # an error status answers at once with an error body
    error_message: str = "the model failed"
    hang_before_headers: bool = False
    hang_after: int | None = None  # send this many chunks, then nothing, forever
    close_after: int | None = None  # send this many chunks, then drop the connection
    invalid_after: int | None = None  # send this many chunks, then a line that is not JSON
    error_line_after: int | None = None  # then an in-stream error, as Ollama writes them
    big_chunk: int | None = None  # one chunk whose content is this many characters
    no_end_marker: bool = False  # end the body cleanly without done:true / [DONE]
    reasoning: bool = False
    tool_call: bool = False
    dims: int = 4
    first_delay: float = 0.0  # seconds before the first chunk
    stamped: bool = False  # each piece carries the clock (time.monotonic()) it was sent at
    answer: str | None = None  # the whole answer as one piece (set per request by a responder)

    def pieces(self) -> list[str]:
        if self.answer is not None:
            return [self.answer]
        if self.big_chunk:
            return ["A" * self.big_chunk, " tail"]
        if self.stamped:
            return [f"tok{i}@{STAMP} " for i in range(self.chunks)]
        return [f"tok{i} " for i in range(self.chunks)]

    def text(self) -> str:
        return "".join(self.pieces())


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class StreamRecord:
    path: str
    model: str
    sent: int = 0
    finished: bool = False  # the whole answer was written
    closed_by_client: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    ended_at: float = 0.0


class ScriptedUpstream(LocalServer):
    def __init__(self, models: tuple[str, ...] = ("llama3:8b", "qwen3:4b"), *,
                 openai_models: tuple[str, ...] = ("gpt-4o", "gpt-4o-mini"),
                 embed_models: tuple[str, ...] = ("nomic-embed-text:latest",),
                 key: str | None = None, version: str = OLLAMA_VERSION, port: int = 0,
                 tls: bool = False):
        super().__init__(port)
        self.tls = tls
        self.models = list(models)
        self.openai_models = list(openai_models)
        self.embed_models = list(embed_models)
        self.key = key
        self.version = version
        self.scripts: dict[str, Script] = {}
        self.requests: list[Recorded] = []
        self.streams: list[StreamRecord] = []
        self.hang_lists = False
        self.stream_started = asyncio.Event()
        self.connections = 0  # accepted so far: keep-alive reuse shows here
        self.proxied_for: list[str] = []  # hosts of absolute-form (forward proxy) requests
        # model -> a function of the chat request's body giving the answer's text
        self.responders: dict[str, Callable[[dict], str]] = {}
        # Embeddings: text -> vector (cut to the script's dims); None: by input position.
        self.vectorize: Callable[[str], list[float]] | None = None

    # ---- lifecycle ------------------------------------------------------------------

    def _tls(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*self_signed_files())
        return context

    @property
    def url(self) -> str:
        """The Ollama base URL (no /api)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        """The OpenAI base URL (with /v1)."""
        return f"{self.url}/v1"

    def script(self, model: str, **knobs: Any) -> Script:
        self.scripts[model] = Script(**knobs)
        return self.scripts[model]

    def script_for(self, model: str) -> Script:
        return self.scripts.get(model, Script())

    def last(self, path: str) -> Recorded:
        return [r for r in self.requests if r.path == path][-1]

    async def pieces_sent(self, count: int, seconds: float = 30.0) -> None:
        """Wait until the latest stream has sent `count` pieces: a test that acts while an
        answer is under way waits for that, not for a pause a busy machine can outrun."""
        async with asyncio.timeout(seconds):
            while not (self.streams and self.streams[-1].sent >= count):  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    async def stream_ended(self, index: int = -1) -> StreamRecord:
        """The streamed answer once it ended (wrap in asyncio.timeout to bound the wait)."""
        await self.stream_started.wait()
        record = self.streams[index]
        await record.ended.wait()
        return record

    # ---- HTTP -------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._writers.add(writer)
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                if path.startswith("http://"):  # asked as a forward proxy: serve it ourselves
                    target = urlsplit(path)
                    self.proxied_for.append(target.netloc)
                    path = target.path + (f"?{target.query}" if target.query else "")
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                raw = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                self.requests.append(Recorded(method, path, headers, body))
                keep = await self._route(method, path, headers, body, reader, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _route(self, method, path, headers, body, reader, writer) -> bool:
        openai = path.startswith("/v1/")
        if openai and self.key and headers.get("authorization") != f"Bearer {self.key}":
            return await self._error(writer, openai, 401,
                                     "Incorrect API key provided: sk-wr*******key.")
        if method == "GET" and path in ("/api/tags", "/api/ps", "/v1/models"):
            if self.hang_lists:
                await self._until_closed(reader)
                return False
            return await self._json(writer, 200, self._listing(path))
        if method == "GET" and path == "/api/version":
            return await self._json(writer, 200, {"version": self.version})
        if method != "POST" or not isinstance(body, dict):
            return await self._json(writer, 404, {"error": "not found"})
        model = body.get("model", "")
        if path in ("/api/embed", "/api/embeddings", "/v1/embeddings"):
            return await self._embed(writer, reader, path, model, body)
        if path == "/api/show":
            return await self._show(writer, model)
        if path not in ("/api/chat", "/api/generate", "/v1/chat/completions",
                        "/v1/completions"):
            return await self._json(writer, 404, {"error": "not found"})
        # Ollama's own OpenAI-style routes (/v1/...) run its models too.
        known = self.openai_models + self.models if openai else self.models
        if model not in known:
            return await self._error(writer, openai, 404, f'model "{model}" not found, try '
                                     "pulling it first")
        script = self.script_for(model)
        if model in self.responders:
            script = dataclasses.replace(script, answer=self.responders[model](body))
        if script.hang_before_headers:
            record = self._record(path, model)
            await self._until_closed(reader)
            return self._closed(record)
        if script.status >= 400:
            return await self._error(writer, openai, script.status, script.error_message)
        stream = body.get("stream", not openai)
        if openai:
            return await self._openai_chat(writer, reader, path, model, body, script, stream)
        return await self._ollama_chat(writer, reader, path, model, script, stream)

    def _listing(self, path: str) -> dict:
        if path == "/v1/models":
            return {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "scripted"}
                for m in self.openai_models]}
        models = self.models + self.embed_models
        entries = [{"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z",
                    "size": 4_000_000_000, "digest": f"{abs(hash(m)):064x}"[:64],
                    "details": {"parent_model": "", "format": "gguf", "family": "llama",
                                "families": ["llama"], "parameter_size": "8B",
                                "quantization_level": "Q4_0"}} for m in models]
        if path == "/api/ps":
            entries = [dict(e, expires_at="2030-01-01T00:00:00Z", size_vram=1)
                       for e in entries[:1]]
        return {"models": entries}

    async def _show(self, writer, model: str) -> bool:
        """Ollama's `/api/show`: the model's Modelfile, parameters, template and details."""
        if model not in self.models + self.embed_models:
            return await self._json(writer, 404, {"error": f"model '{model}' not found"})
        listed = self._listing("/api/tags")["models"]
        details = next(e["details"] for e in listed if e["model"] == model)
        return await self._json(writer, 200, {
            "modelfile": f"# Modelfile generated by \"ollama show\"\nFROM {model}\n",
            "parameters": 'stop "<|eot_id|>"', "template": "{{ .Prompt }}",
            "details": details, "capabilities": ["completion"],
            "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
            "modified_at": "2025-01-01T00:00:00Z"})

    async def _embed(self, writer, reader, path, model, body) -> bool:
        openai = path.startswith("/v1/")
        known = self.embed_models + self.models  # Ollama's own /v1 embeds them too
        if openai:
            known = self.openai_models + ["text-embedding-3-small"] + known
        if model not in known:
            return await self._error(writer, openai, 404, f'model "{model}" not found')
        script = self.script_for(model)
        if script.hang_before_headers:
            await self._until_closed(reader)
            return False
        if script.first_delay:
            await asyncio.sleep(script.first_delay)
        if script.status >= 400:
            return await self._error(writer, openai, script.status, script.error_message)
        dims = script.dims
        inputs = body.get("input", body.get("prompt", ""))
        inputs = inputs if isinstance(inputs, list) else [inputs]
        if self.vectorize is not None:  # vectors that depend on the text, for searches
            vectors = [self.vectorize(str(text))[:dims] for text in inputs]
        else:
            vectors = [[round(0.1 * (i + 1) + 0.01 * d, 4) for d in range(dims)]
                       for i in range(len(inputs))]
        if path == "/api/embeddings":
            return await self._json(writer, 200, {"embedding": vectors[0]})
        if path == "/api/embed":
            return await self._json(writer, 200, {"model": model, "embeddings": vectors,
                                                  "total_duration": 1000, "load_duration": 10,
                                                  "prompt_eval_count": 3 * len(inputs)})
        return await self._json(writer, 200, {
            "object": "list", "model": model,
            "data": [{"object": "embedding", "index": i, "embedding": v}
                     for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": 3 * len(inputs), "total_tokens": 3 * len(inputs)}})

    # ---- answers ----------------------------------------------------------------------

    def _ollama_lines(self, path: str, model: str, script: Script) -> list[bytes]:
        lines = []
        for piece in script.pieces():
            item: dict[str, Any] = {"model": model, "created_at": "2025-01-01T00:00:00Z",
                                    "done": False}
            if path == "/api/chat":
                item["message"] = {"role": "assistant", "content": piece}
                if script.reasoning:
                    item["message"]["thinking"] = "hmm "
            else:
                item["response"] = piece
            lines.append(json.dumps(item).encode() + b"\n")
        final: dict[str, Any] = {"model": model, "created_at": "2025-01-01T00:00:01Z",
                                 "done": True, "done_reason": "stop",
                                 "total_duration": 5_000_000, "load_duration": 1_000,
                                 "prompt_eval_count": 7, "prompt_eval_duration": 1_000,
                                 "eval_count": len(script.pieces()), "eval_duration": 4_000}
        if path == "/api/chat":
            final["message"] = {"role": "assistant", "content": ""}
            if script.tool_call:
                final["message"]["tool_calls"] = [
                    {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]
        else:
            final["response"], final["context"] = "", [1, 2, 3]
        if not script.no_end_marker:
            lines.append(json.dumps(final).encode() + b"\n")
        return lines

    async def _ollama_chat(self, writer, reader, path, model, script, stream) -> bool:
        lines = self._ollama_lines(path, model, script)
        if not stream:
            merged = json.loads(lines[-1])
            text = script.text()
            if path == "/api/chat":
                merged["message"]["content"] = text
            else:
                merged["response"] = text
            return await self._json(writer, 200, merged)
        return await self._stream(writer, reader, path, model, script, lines,
                                  "application/x-ndjson", error_line=b'{"error":"'
                                  + script.error_message.encode() + b'"}\n')

    def _openai_events(self, model: str, script: Script, body: dict,
                       path: str = "/v1/chat/completions") -> list[bytes]:
        def event(delta: dict, finish: str | None = None, **extra) -> bytes:
            chunk = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk",
                     "created": 1700000000, "model": model,
                     "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                  "finish_reason": finish}], **extra}
            if path == "/v1/completions":  # legacy completions: text, not a delta
                chunk.update(id="cmpl-scripted", object="text_completion", choices=[
                    {"index": 0, "text": delta.get("content", ""), "logprobs": None,
                     "finish_reason": finish}])
            return b"data: " + json.dumps(chunk).encode() + b"\n\n"

        events = [event({"role": "assistant", "content": ""})]
        for piece in script.pieces():
            delta = {"content": piece}
            if script.reasoning:
                delta["reasoning_content"] = "hmm "
            events.append(event(delta))
        events.append(event({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 7, "completion_tokens": len(script.pieces()),
                     "total_tokens": 7 + len(script.pieces())}
            events.append(b"data: " + json.dumps({
                "id": "chatcmpl-scripted", "object": "chat.completion.chunk",
                "created": 1700000000, "model": model, "choices": [],
                "usage": usage}).encode() + b"\n\n")
        if not script.no_end_marker:
            events.append(b"data: [DONE]\n\n")
        return events

    async def _openai_chat(self, writer, reader, path, model, body, script, stream) -> bool:
        if not stream:
            n = len(script.pieces())
            answer = {
                "id": "chatcmpl-scripted", "object": "chat.completion", "created": 1700000000,
                "model": model, "choices": [{"index": 0, "message": {
                    "role": "assistant", "content": script.text(), "refusal": None},
                    "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 7, "completion_tokens": n, "total_tokens": 7 + n}}
            if path == "/v1/completions":
                answer.update(id="cmpl-scripted", object="text_completion", choices=[
                    {"index": 0, "text": script.text(), "logprobs": None,
                     "finish_reason": "stop"}])
            return await self._json(writer, 200, answer)
        events = self._openai_events(model, script, body, path)
        error = {"error": {"message": script.error_message, "type": "server_error"}}
        return await self._stream(writer, reader, path, model, script, events,
                                  "text/event-stream",
                                  error_line=b"data: " + json.dumps(error).encode() + b"\n\n",
                                  invalid=b"data: {not json\n\n")

    async def _stream(self, writer, reader, path, model, script, parts, content_type, *,
                      error_line: bytes, invalid: bytes = b'{"model": "broken\n') -> bool:
        record = self._record(path, model)
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        # Reading while writing notices a client that closes the connection early.
        eof = asyncio.ensure_future(reader.read(65536))
        try:
            for index, part in enumerate(parts):
                if index == script.hang_after:
                    await eof
                    return self._closed(record)
                if index == script.close_after:
                    writer.transport.abort()
                    return self._ended(record, False)
                if index == script.invalid_after:
                    part = invalid
                if index == script.error_line_after:
                    part = error_line
                pause = script.delay if index else script.first_delay
                if pause:
                    done, _ = await asyncio.wait({eof}, timeout=pause)
                    if done:
                        return self._closed(record)
                if script.stamped:
                    part = part.replace(STAMP.encode(), f"{time.monotonic():.6f}".encode())
                writer.write(_chunk(part))
                try:
                    await writer.drain()
                except ConnectionError:
                    return self._closed(record)
                record.sent += 1
                if index in (script.invalid_after, script.error_line_after):
                    break
            if eof.done():
                return self._closed(record)
            # The client's next request may follow the end at once: stop reading first.
            eof.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await eof
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            record.finished = True
            return self._ended(record, True)
        finally:
            if not eof.done():
                eof.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await eof

    def _record(self, path: str, model: str) -> StreamRecord:
        record = StreamRecord(path, model)
        self.streams.append(record)
        self.stream_started.set()
        return record

    def _closed(self, record: StreamRecord) -> bool:
        record.closed_by_client = True
        return self._ended(record, False)

    def _ended(self, record: StreamRecord, keep: bool) -> bool:
        record.ended_at = time.monotonic()
        record.ended.set()
        return keep

    async def _until_closed(self, reader) -> None:
        with contextlib.suppress(Exception):
            while await reader.read(65536):
                pass

    async def _json(self, writer, status: int, value: Any) -> bool:
        data = json.dumps(value).encode()
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8"
                     f"\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
        await writer.drain()
        return True

    async def _error(self, writer, openai: bool, status: int, message: str) -> bool:
        if openai:
            body = {"error": {"message": message, "type": "invalid_request_error",
                              "param": None, "code": "model_not_found"
                              if status == 404 else None}}
        else:
            body = {"error": message}
        return await self._json(writer, status, body)


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"
