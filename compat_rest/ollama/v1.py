"""Ollama's OpenAI-compatible surface (`/ollama/v1/...`), as Open WebUI proxies it:
chat completions, legacy completions and embeddings relayed to a connection's own
`/v1/...` routes (so the official `openai` client works with `base_url=.../ollama/v1`),
and the Ollama models listed in OpenAI's shape. Errors take OpenAI's shape, which is what
Ollama's own `/v1` routes write, with the statuses of the Ollama mount."""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.ollama.errors import STATUS
from compat_rest.ollama.forms import CompletionForm
from compat_rest.openai.errors import bad_body, frame, renderer
from compat_rest.openai.forms import ChatCompletionForm, EmbeddingsForm, chat_body
from compat_rest.streaming import dialect_endpoint, relay_spec
from resolvers.completions.relay import RelaySpec
from resolvers.context import Context
from resolvers.models import connections, models

OLLAMA = "ollama"

endpoint = dialect_endpoint(renderer(STATUS), bad_body)


def _relay(form_type: type[BaseModel], path: str) -> Callable:
    @endpoint(unit_of_work=False)
    async def handler(request: Request, ctx: Context) -> Response:
        form = await parse_body(request, form_type)
        return await relay_spec(request, ctx, RelaySpec(
            kind=OLLAMA, path=path, body=chat_body(form), route=f"/ollama{path}",
            url_idx=request.path_params.get("url_idx")), frame)

    handler.__name__ = path.strip("/").replace("/", "_")
    return handler


chat_completions = _relay(ChatCompletionForm, "/v1/chat/completions")
completions = _relay(CompletionForm, "/v1/completions")
embeddings = _relay(EmbeddingsForm, "/v1/embeddings")


@endpoint()
async def list_models(request: Request, ctx: Context) -> dict:
    """Every Ollama model the caller may use; with an index (administrators), what that
    connection lists itself."""
    url_idx = request.path_params.get("url_idx")
    if url_idx is None:
        ids = [m.id for m in await models.list_models(ctx, kind=OLLAMA, presets=False)]
    else:
        raw = await connections.connection_models(ctx, OLLAMA, url_idx)
        items = raw.get("models") if isinstance(raw, dict) else None
        ids = [i.get("model") or i.get("name") for i in items or [] if isinstance(i, dict)]
    now = int(time.time())
    return {"object": "list", "data": [{"id": i, "object": "model", "created": now,
                                        "owned_by": "openai"} for i in ids if i]}


def routes() -> list[Route]:
    found = []
    for path, handler, method in (("chat/completions", chat_completions, "POST"),
                                  ("completions", completions, "POST"),
                                  ("embeddings", embeddings, "POST"),
                                  ("models", list_models, "GET")):
        found += [Route(f"/ollama/v1/{path}", handler, methods=[method]),
                  Route(f"/ollama/v1/{path}/{{url_idx:int}}", handler, methods=[method])]
    return found
