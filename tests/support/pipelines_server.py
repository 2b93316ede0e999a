"""A scripted Pipelines server (Open WebUI's external pipelines runner, as its API is
documented): an OpenAI-style `/models` carrying `pipelines`, the admin routes Open WebUI
proxies, and a filter's `/filter/inlet` and `/filter/outlet`. It keeps every request and
refuses a wrong key, as the real one does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.server import serving_in_loop

KEY = "0p3n-w3bu!"


class PipelinesServer:
    def __init__(self) -> None:
        self.pipelines: dict[str, dict[str, Any]] = {
            "demo_pipe": {"id": "demo_pipe", "name": "Demo Pipe", "type": "pipe",
                          "valves": {"PREFIX": ">"}},
            "tagger": {"id": "tagger", "name": "Tagger", "type": "filter",
                       "pipelines": ["*"], "priority": 0, "valves": {"TAG": "[piped]"}}}
        self.requests: list[tuple[str, str, Any]] = []
        self.uploads: list[tuple[str, bytes]] = []
        self.url = ""

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/models", self.models), Route("/pipelines", self.listing),
            Route("/pipelines/add", self.add, methods=["POST"]),
            Route("/pipelines/upload", self.upload, methods=["POST"]),
            Route("/pipelines/delete", self.delete, methods=["DELETE"]),
            Route("/{id}/valves", self.valves), Route("/{id}/valves/spec", self.spec),
            Route("/{id}/valves/update", self.update, methods=["POST"]),
            Route("/{id}/filter/{hook}", self.filter, methods=["POST"])])

    async def _allowed(self, request: Request) -> JSONResponse | None:
        body = await request.body()
        self.requests.append((request.method, request.url.path, body))
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"detail": "Invalid API key"}, 401)
        return None

    def _public(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k != "valves"} | {"valves": True}

    async def models(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        return refused or JSONResponse({"object": "list", "pipelines": True, "data": [
            {"id": p["id"], "name": p["name"], "object": "model", "owned_by": "openai",
             "pipeline": {"type": p["type"], "valves": True,
                          **({"pipelines": p["pipelines"], "priority": p["priority"]}
                             if p["type"] == "filter" else {})}}
            for p in self.pipelines.values()]})

    async def listing(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        return refused or JSONResponse(
            {"data": [self._public(p) for p in self.pipelines.values()]})

    async def add(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        if refused:
            return refused
        url = (await request.json())["url"]
        if "broken" in url:
            return JSONResponse({"detail": "Unable to install pipeline"}, 400)
        name = url.rsplit("/", 1)[-1].removesuffix(".py")
        self.pipelines[name] = {"id": name, "name": name, "type": "pipe", "valves": {}}
        return JSONResponse({"status": True, "detail": f"Pipeline added successfully "
                                                       f"from {url}"})

    async def upload(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        if refused:
            return refused
        async with request.form() as form:
            file = form["file"]
            self.uploads.append((file.filename, await file.read()))
        return JSONResponse({"status": True, "detail": f"Pipeline uploaded successfully "
                                                       f"to ./pipelines/{file.filename}"})

    async def delete(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        if refused:
            return refused
        pipeline_id = (await request.json())["id"]
        if self.pipelines.pop(pipeline_id, None) is None:
            return JSONResponse({"detail": f"Pipeline {pipeline_id} not found"}, 404)
        return JSONResponse({"status": True, "detail": f"Pipeline {pipeline_id} deleted"})

    def _found(self, request: Request) -> dict[str, Any] | None:
        return self.pipelines.get(request.path_params["id"])

    async def valves(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        found = self._found(request)
        return refused or (JSONResponse(found["valves"]) if found else
                           JSONResponse({"detail": "Pipeline not found"}, 404))

    async def spec(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        found = self._found(request)
        return refused or JSONResponse({"title": "Valves", "type": "object", "properties": {
            k: {"title": k, "type": "string"} for k in (found or {}).get("valves", {})}})

    async def update(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        found = self._found(request)
        if refused or found is None:
            return refused or JSONResponse({"detail": "Pipeline not found"}, 404)
        found["valves"].update(await request.json())
        return JSONResponse(found["valves"])

    async def filter(self, request: Request) -> JSONResponse:
        refused = await self._allowed(request)
        found = self._found(request)
        if refused or found is None:
            return refused or JSONResponse({"detail": "Pipeline not found"}, 404)
        given = await request.json()
        body, hook = given["body"], request.path_params["hook"]
        if "refuse" in str(body.get("messages")):
            return JSONResponse({"detail": "Blocked by the tagger"}, 403)
        role = "user" if hook == "inlet" else "assistant"
        for message in body.get("messages", []):
            if message.get("role") == role:
                message["content"] += f" {found['valves']['TAG']}"
        return JSONResponse(body)


@contextlib.asynccontextmanager
async def pipelines_server() -> AsyncIterator[PipelinesServer]:
    server = PipelinesServer()
    async with serving_in_loop(server.app()) as base:
        server.url = base
        yield server
