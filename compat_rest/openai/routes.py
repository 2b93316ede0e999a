"""Open WebUI's `/openai` routes, plus the OpenAI-style `/openai/v1/...` paths that the
official client uses with `base_url=.../openai/v1`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openai import serializers
from compat_rest.openai.errors import endpoint, frame
from compat_rest.openai.forms import ChatCompletionForm, ConnectionsForm, EmbeddingsForm, chat_body
from compat_rest.streaming import relay_spec
from resolvers.completions.relay import RelaySpec
from resolvers.context import Context
from resolvers.models import connections, models

OPENAI = "openai"


@endpoint()
async def list_models(request: Request, ctx: Context) -> dict:
    listed = await models.list_models(ctx, kind=OPENAI, presets=False)
    # Open WebUI's merged list has no `object` key (OpenAI's own list, on /v1, does).
    return {"data": [serializers.model_entry(m) for m in listed]}


@endpoint()
async def list_plain_models(request: Request, ctx: Context) -> dict:
    return serializers.model_list(await models.list_models(ctx, kind=OPENAI, presets=False))


@endpoint()
async def connection_models(request: Request, ctx: Context):
    return await connections.connection_models(ctx, OPENAI, request.path_params["url_idx"])


async def _relay(request: Request, ctx: Context, path: str, body: dict) -> Response:
    spec = RelaySpec(kind=OPENAI, path=path, body=body, route=request.scope["path"])
    return await relay_spec(request, ctx, spec, frame)


@endpoint(unit_of_work=False)
async def chat_completions(request: Request, ctx: Context) -> Response:
    form = await parse_body(request, ChatCompletionForm)
    return await _relay(request, ctx, "/chat/completions", chat_body(form))


@endpoint(unit_of_work=False)
async def embeddings(request: Request, ctx: Context) -> Response:
    form = await parse_body(request, EmbeddingsForm)
    return await _relay(request, ctx, "/embeddings", form.model_dump(exclude_unset=True))


def _settings(found: connections.ConnectionSettings) -> dict:
    return {"ENABLE_OPENAI_API": found.enabled, "OPENAI_API_BASE_URLS": found.base_urls,
            "OPENAI_API_KEYS": found.api_keys, "OPENAI_API_CONFIGS": found.api_configs}


@endpoint()
async def get_config(request: Request, ctx: Context) -> dict:
    return _settings(await connections.get_connection_settings(ctx, OPENAI))


@endpoint(unit_of_work=False)
async def update_config(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, ConnectionsForm)
    async with ctx.unit_of_work(write=True):
        found = await connections.update_connection_settings(
            ctx, OPENAI, enabled=form.ENABLE_OPENAI_API, base_urls=form.OPENAI_API_BASE_URLS,
            api_configs=form.OPENAI_API_CONFIGS, api_keys=form.OPENAI_API_KEYS)
    return _settings(found)


def routes() -> list[Route]:
    return [
        Route("/openai/models", list_models, methods=["GET"]),
        Route("/openai/models/{url_idx:int}", connection_models, methods=["GET"]),
        Route("/openai/v1/models", list_plain_models, methods=["GET"]),
        Route("/openai/chat/completions", chat_completions, methods=["POST"]),
        Route("/openai/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/openai/embeddings", embeddings, methods=["POST"]),
        Route("/openai/v1/embeddings", embeddings, methods=["POST"]),
        Route("/openai/config", get_config, methods=["GET"]),
        Route("/openai/config/update", update_config, methods=["POST"]),
    ]
