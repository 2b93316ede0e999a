"""Open WebUI's retrieval settings routes, for administrators: `GET /config` and
`POST /config/update` (the search defaults and the reranker), `GET /embedding` and `POST
/embedding/update` (the embedding engine, API keys masked). Open WebUI's forms carry
many settings Parley does not have; those are ignored."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openwebui.errors import endpoint
from resolvers.context import Context
from resolvers.permissions import require_admin
from resolvers.retrieval import settings


class Form(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SearchForm(Form):
    # Any JSON value: the resolver checks each and names the one that is wrong.
    TOP_K: Any = None
    TOP_K_RERANKER: Any = None
    RELEVANCE_THRESHOLD: Any = None
    HYBRID_BM25_WEIGHT: Any = None
    ENABLE_RAG_HYBRID_SEARCH: Any = None
    RAG_RERANKING_ENGINE: Any = None
    RAG_RERANKING_MODEL: Any = None
    RAG_EXTERNAL_RERANKER_URL: Any = None
    RAG_EXTERNAL_RERANKER_API_KEY: Any = None
    RAG_EXTERNAL_RERANKER_TIMEOUT: Any = None


class Connection(Form):
    url: Any = None
    key: Any = None
    version: Any = None  # Azure's api-version; the other connections have none


class EmbeddingForm(Form):
    RAG_EMBEDDING_ENGINE: Any = None
    RAG_EMBEDDING_MODEL: Any = None
    RAG_EMBEDDING_BATCH_SIZE: Any = None
    openai_config: Connection | None = None
    ollama_config: Connection | None = None
    azure_openai_config: Connection | None = None


def _given(form: BaseModel) -> dict[str, Any]:
    return {k: v for k, v in form.model_dump(exclude_unset=True).items() if v is not None}


def embedding_json(values: dict[str, Any]) -> dict[str, Any]:
    return {"status": True, "RAG_EMBEDDING_ENGINE": values["RAG_EMBEDDING_ENGINE"],
            "RAG_EMBEDDING_MODEL": values["RAG_EMBEDDING_MODEL"],
            "RAG_EMBEDDING_BATCH_SIZE": values["RAG_EMBEDDING_BATCH_SIZE"],
            "openai_config": {"url": values["OPENAI_URL"], "key": values["OPENAI_KEY"]},
            "ollama_config": {"url": values["OLLAMA_URL"], "key": values["OLLAMA_KEY"]},
            "azure_openai_config": {"url": values["AZURE_URL"], "key": values["AZURE_KEY"],
                                    "version": values["AZURE_VERSION"]}}


@endpoint()
async def get_config(request: Request, ctx: Context) -> dict:
    return {"status": True, **await settings.get_search_config(ctx)}


@endpoint(write=True)
async def update_config(request: Request, ctx: Context) -> dict:
    await require_admin(ctx)  # others are 401 whatever the body
    form = await parse_body(request, SearchForm)
    return {"status": True, **await settings.update_search_config(ctx, _given(form))}


@endpoint()
async def get_embedding(request: Request, ctx: Context) -> dict:
    return embedding_json(await settings.get_embedding_config(ctx))


@endpoint(write=True)
async def update_embedding(request: Request, ctx: Context) -> dict:
    await require_admin(ctx)  # others are 401 whatever the body
    form = await parse_body(request, EmbeddingForm)
    changes = _given(form)
    for kind, prefix in (("openai_config", "OPENAI"), ("ollama_config", "OLLAMA"),
                         ("azure_openai_config", "AZURE")):
        for field, value in (changes.pop(kind, None) or {}).items():
            if value is not None:
                changes[f"{prefix}_{field.upper()}"] = value
    return embedding_json(await settings.update_embedding_config(ctx, changes))


def config_routes(prefix: str) -> list[Route]:
    return [Route(f"{prefix}/config", get_config, methods=["GET"]),
            Route(f"{prefix}/config/update", update_config, methods=["POST"]),
            Route(f"{prefix}/embedding", get_embedding, methods=["GET"]),
            Route(f"{prefix}/embedding/update", update_embedding, methods=["POST"])]
