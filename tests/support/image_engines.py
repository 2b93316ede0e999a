"""A scripted image engine on a real socket that speaks AUTOMATIC1111's API
(`/sdapi/v1/*`), OpenAI's image API (`/v1/images/generations`) and ComfyUI's (`/prompt`,
the `/ws?clientId=` WebSocket with its progress and `executing` messages, `/history`,
`/view`, `/object_info`) on one port, built on aiohttp's server (ComfyUI itself is an
aiohttp server). Knobs say what goes wrong: an error status, a hang, an answer that is
not an image, a 200 MB body. Every request is recorded.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"scripted-image-"


def png(index: int) -> bytes:
    return PNG + str(index).encode()


@dataclass
class Knobs:
    status: int = 200  # an error status answers the generation at once
    error: dict[str, Any] = field(default_factory=lambda: {
        "error": {"message": "Your request was rejected by the safety system.",
                  "code": "content_policy_violation"}})
    hang: bool = False  # the generation never answers
    not_image: bool = False  # images that are not images
    huge: bool = False  # a 200 MB answer, sent as it is read
    urls: bool = False  # OpenAI: answer with URLs instead of b64_json
    url_base: str | None = None  # ... on this origin instead of the engine's own
    execution_error: bool = False  # ComfyUI: the workflow fails while running
    steps: int = 3  # ComfyUI: progress messages before the end
    step_delay: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class ScriptedImageEngine:
    def __init__(self) -> None:
        self.knobs = Knobs()
        self.requests: list[Recorded] = []
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.outputs: dict[str, int] = {}  # prompt id -> images made
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def last(self, path: str) -> Recorded:
        return [r for r in self.requests if r.path.split("?")[0] == path][-1]

    async def __aenter__(self) -> ScriptedImageEngine:
        app = web.Application(client_max_size=64 * 1024**2)
        app.middlewares.append(self._record)
        app.router.add_post("/sdapi/v1/txt2img", self._txt2img)
        app.router.add_get("/sdapi/v1/sd-models", self._sd_models)
        app.router.add_post("/sdapi/v1/img2img", self._txt2img)
        app.router.add_post("/v1/images/edits", self._openai_edit)
        app.router.add_post("/v1/images/generations", self._openai)
        app.router.add_get("/v1/files/{name}", self._file)
        app.router.add_get("/v1/models", self._openai_models)
        app.router.add_get("/ws", self._ws)
        app.router.add_post("/prompt", self._prompt)
        app.router.add_get("/history/{prompt_id}", self._history)
        app.router.add_get("/view", self._view)
        app.router.add_get("/object_info/CheckpointLoaderSimple", self._object_info)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc) -> None:
        for socket in list(self.sockets.values()):
            await socket.close()
        assert self._runner is not None
        await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler):
        body = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        self.requests.append(Recorded(request.method, request.path_qs, dict(request.headers),
                                      body))
        return await handler(request)

    async def _faults(self, request: web.Request) -> web.StreamResponse | None:
        knobs = self.knobs
        if knobs.hang:
            await asyncio.sleep(3600)
        if knobs.status != 200:
            return web.json_response(knobs.error, status=knobs.status)
        if knobs.huge:
            answer = web.StreamResponse(headers={"Content-Type": "application/json"})
            await answer.prepare(request)
            block = b"A" * (1024 * 1024)
            try:
                for _ in range(200):
                    await answer.write(block)
            except (ConnectionError, RuntimeError):
                pass  # the client stopped reading, as it should
            return answer
        return None

    def _b64(self, index: int) -> str:
        data = b"<html>not an image</html>" if self.knobs.not_image else png(index)
        return base64.b64encode(data).decode()

    async def _txt2img(self, request: web.Request) -> web.StreamResponse:
        fault = await self._faults(request)
        if fault is not None:
            return fault
        body = await request.json()
        count = int(body.get("batch_size", 1))
        return web.json_response({"images": [self._b64(i) for i in range(count)],
                                  "parameters": body, "info": "{}"})

    async def _sd_models(self, request: web.Request) -> web.Response:
        return web.json_response([{"title": "v1-5-pruned.safetensors [6ce0161689]",
                                   "model_name": "v1-5-pruned"}])

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        fault = await self._faults(request)
        if fault is not None:
            return fault
        body = await request.json()
        count = int(body.get("n", 1))
        if self.knobs.urls:
            base = self.knobs.url_base or self.url
            items = [{"url": f"{base}/v1/files/img-{i}.png"} for i in range(count)]
        else:
            items = [{"b64_json": self._b64(i)} for i in range(count)]
        return web.json_response({"created": 1, "data": items})

    async def _openai_edit(self, request: web.Request) -> web.StreamResponse:
        """OpenAI's edits form, parsed with the standard library's MIME parser (the body
        was already read by the recorder); recorded as {field: [values]}, files as
        (filename, content type, bytes)."""
        fault = await self._faults(request)
        if fault is not None:
            return fault
        head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
        parsed = email.message_from_bytes(head + await request.read(),
                                          policy=email.policy.HTTP)
        form: dict[str, Any] = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            filename = part.get_filename()
            value = (filename, part.get_content_type(), data) if filename else data.decode()
            form.setdefault(name, []).append(value)
        self.requests[-1].body = form
        count = int(form["n"][0])
        return web.json_response({"created": 1, "data": [{"b64_json": self._b64(i)}
                                                         for i in range(count)]})

    async def _openai_models(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer sk-images-secret-0123456789":
            return web.json_response({"error": {"message": "Incorrect API key"}}, status=401)
        return web.json_response({"object": "list", "data": [{"id": "dall-e-3"}]})

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=png(99), content_type="image/png")

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        client_id = request.query.get("clientId", "")
        self.sockets[client_id] = socket
        await socket.send_json({"type": "status", "data": {"status": {
            "exec_info": {"queue_remaining": 0}}, "sid": client_id}})
        async for message in socket:
            if message.type is WSMsgType.ERROR:
                break
        self.sockets.pop(client_id, None)
        return socket

    async def _prompt(self, request: web.Request) -> web.StreamResponse:
        if self.knobs.status != 200 or self.knobs.hang:
            fault = await self._faults(request)
            assert fault is not None
            return fault
        body = await request.json()
        prompt_id = str(uuid.uuid4())
        graph = body["prompt"]
        self.outputs[prompt_id] = int(graph.get("5", {}).get("inputs", {}).get("batch_size", 1))
        socket = self.sockets.get(body.get("client_id", ""))
        if socket is not None:
            asyncio.get_running_loop().create_task(self._run(socket, prompt_id))
        return web.json_response({"prompt_id": prompt_id, "number": 0, "node_errors": {}})

    async def _run(self, socket: web.WebSocketResponse, prompt_id: str) -> None:
        send = socket.send_json
        await send({"type": "execution_start", "data": {"prompt_id": prompt_id}})
        await send({"type": "executing", "data": {"node": "3", "prompt_id": prompt_id}})
        for step in range(1, self.knobs.steps + 1):
            await asyncio.sleep(self.knobs.step_delay)
            await send({"type": "progress", "data": {"value": step, "max": self.knobs.steps,
                                                     "prompt_id": prompt_id, "node": "3"}})
            await socket.send_bytes(b"\x00\x00\x00\x01" + png(0))  # a preview frame
        if self.knobs.execution_error:
            await send({"type": "execution_error", "data": {
                "prompt_id": prompt_id, "node_id": "4", "exception_message":
                "Error while loading checkpoint model.safetensors"}})
            return
        await send({"type": "executing", "data": {"node": None, "prompt_id": prompt_id}})

    async def _history(self, request: web.Request) -> web.Response:
        prompt_id = request.match_info["prompt_id"]
        count = self.outputs.get(prompt_id, 0)
        images = [{"filename": f"ComfyUI_{i:05}_.png", "subfolder": "", "type": "output"}
                  for i in range(count)]
        return web.json_response({prompt_id: {"prompt": [], "outputs": {
            "9": {"images": images}}, "status": {"status_str": "success", "completed": True}}})

    async def _view(self, request: web.Request) -> web.StreamResponse:
        if self.knobs.huge:  # ComfyUI's images come from here
            fault = await self._faults(request)
            assert fault is not None
            return fault
        if self.knobs.not_image:
            return web.Response(text="<html>not an image</html>", content_type="text/html")
        name = request.query.get("filename", "")
        return web.Response(body=png(int(name.split("_")[1]) if "_" in name else 0),
                            content_type="image/png")

    async def _object_info(self, request: web.Request) -> web.Response:
        return web.json_response({"CheckpointLoaderSimple": {"input": {"required": {
            "ckpt_name": [["sd_xl_base_1.0.safetensors", "v1-5.safetensors"]]}}}})
