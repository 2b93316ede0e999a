"""Open WebUI's `/ollama` routes: Ollama's own API relayed to the connections, with
Open WebUI's model list, access rules and `url_idx` variants."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.ollama import serializers, v1
from compat_rest.ollama.errors import endpoint, frame
from compat_rest.ollama.forms import (
    ChatForm,
    ConnectionsForm,
    EmbeddingsForm,
    EmbedForm,
    GenerateForm,
    ShowForm,
)
from compat_rest.streaming import relay_spec
from resolvers.completions.relay import RelaySpec
from resolvers.context import Context
from resolvers.models import connections, models

OLLAMA = "ollama"
NDJSON = "application/x-ndjson"


async def status(request: Request) -> Response:
    return Response('{"status":true}', media_type="application/json")


@endpoint()
async def list_tags(request: Request, ctx: Context) -> dict:
    listed = await models.list_models(ctx, kind=OLLAMA, presets=False)
    return {"models": [serializers.tag_entry(m) for m in listed]}


@endpoint()
async def connection_tags(request: Request, ctx: Context):
    return await connections.connection_models(ctx, OLLAMA, request.path_params["url_idx"])


@endpoint()
async def version(request: Request, ctx: Context) -> dict:
    found = await connections.ollama_version(ctx, url_idx=request.path_params.get("url_idx"))
    return {"version": found if found is not None else False}


def _relay(form_type: type[BaseModel], path: str, *, streams: bool):
    @endpoint(unit_of_work=False)
    async def handler(request: Request, ctx: Context) -> Response:
        form = await parse_body(request, form_type)
        body = form.model_dump(exclude_unset=True)
        stream = getattr(form, "stream", False)
        if streams:
            body["stream"] = stream  # Ollama streams unless told otherwise
        return await relay_spec(request, ctx, RelaySpec(
            kind=OLLAMA, path=path, body=body, route=f"/ollama{path}",
            url_idx=request.path_params.get("url_idx"),
            media_type=NDJSON if streams and stream and path == "/api/chat" else None), frame)

    handler.__name__ = path.rsplit("/", 1)[-1]
    return handler


generate = _relay(GenerateForm, "/api/generate", streams=True)
chat = _relay(ChatForm, "/api/chat", streams=True)
embed = _relay(EmbedForm, "/api/embed", streams=False)
embeddings = _relay(EmbeddingsForm, "/api/embeddings", streams=False)


@endpoint(unit_of_work=False)
async def show(request: Request, ctx: Context) -> Response:
    """A model's details from a connection serving it (any one: they hold the same)."""
    form = await parse_body(request, ShowForm)
    body = form.model_dump(exclude_unset=True)
    body.pop("name", None)
    body["model"] = form.model or form.name
    return await relay_spec(request, ctx, RelaySpec(kind=OLLAMA, path="/api/show", body=body,
                                                    route="/ollama/api/show"), frame)


@endpoint()
async def loaded(request: Request, ctx: Context) -> dict:
    return {"models": await connections.loaded_models(ctx)}


def _settings(found: connections.ConnectionSettings) -> dict:
    return {"ENABLE_OLLAMA_API": found.enabled, "OLLAMA_BASE_URLS": found.base_urls,
            "OLLAMA_API_CONFIGS": found.api_configs}


@endpoint()
async def get_config(request: Request, ctx: Context) -> dict:
    return _settings(await connections.get_connection_settings(ctx, OLLAMA))


@endpoint(unit_of_work=False)
async def update_config(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ConnectionsForm)
    async with ctx.unit_of_work(write=True):
        found = await connections.update_connection_settings(
            ctx, OLLAMA, enabled=form.ENABLE_OLLAMA_API, base_urls=form.OLLAMA_BASE_URLS,
            api_configs=form.OLLAMA_API_CONFIGS)
    return _settings(found)


def routes() -> list[Route]:
    routes = [Route("/ollama", status, methods=["GET", "HEAD"]),
              Route("/ollama/api/tags", list_tags, methods=["GET"]),
              Route("/ollama/api/tags/{url_idx:int}", connection_tags, methods=["GET"]),
              Route("/ollama/api/version", version, methods=["GET"]),
              Route("/ollama/api/show", show, methods=["POST"]),
              Route("/ollama/api/ps", loaded, methods=["GET"]),
              Route("/ollama/api/version/{url_idx:int}", version, methods=["GET"]),
              Route("/ollama/config", get_config, methods=["GET"]),
              Route("/ollama/config/update", update_config, methods=["POST"])]
    for name, handler in (("generate", generate), ("chat", chat), ("embed", embed),
                          ("embeddings", embeddings)):
        routes += [Route(f"/ollama/api/{name}", handler, methods=["POST"]),
                   Route(f"/ollama/api/{name}/{{url_idx:int}}", handler, methods=["POST"])]
    return routes + v1.routes()
