"""Open WebUI's `/api/v1/retrieval` routes (rest-ai.md §8.1) except `process/file`
(file_processing.py), and the documented `POST /api/rag/embed` and `/api/rag/query`.

Open WebUI's answers: query results in Chroma's shape (one inner list); a collection
the caller may not use is 403, a bad collection name 400, a knowledge base or file the
caller may not read 404; admin routes answer others 401.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from starlette.requests import Request
from starlette.routing import Route

from compat_rest.common import parse_body
from compat_rest.openwebui.errors import ACCESS_PROHIBITED, NOT_FOUND, endpoint, error_response
from compat_rest.openwebui.retrieval_config import config_routes
from resolvers.context import Context
from resolvers.permissions import require_admin, require_verified
from resolvers.retrieval import indexing, queries
from resolvers.retrieval.chunks import embed_texts
from resolvers.retrieval.queries import QueryOptions, Retrieved

V1 = "/api/v1/retrieval"
SHORT = "/api/rag"
DIALECT = {"collection_forbidden": (403, ACCESS_PROHIBITED),
           "knowledge_not_found": (404, NOT_FOUND), "file_not_found": (404, NOT_FOUND)}
Number = StrictInt | StrictFloat


class Form(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ProcessTextForm(Form):
    name: StrictStr
    content: StrictStr
    collection_name: StrictStr | None = None


class FileRef(Form):
    id: StrictStr


class BatchForm(Form):
    files: list[FileRef]
    collection_name: StrictStr


class QueryForm(Form):
    query: StrictStr
    k: StrictInt | None = None
    k_reranker: StrictInt | None = None
    r: Number | None = None
    hybrid: StrictBool | None = None
    hybrid_bm25_weight: Number | None = None

    def options(self) -> QueryOptions:
        return QueryOptions(k=self.k, k_reranker=self.k_reranker, relevance_threshold=self.r,
                            hybrid=self.hybrid, bm25_weight=self.hybrid_bm25_weight)


class QueryDocForm(QueryForm):
    collection_name: StrictStr


class QueryCollectionForm(QueryForm):
    collection_names: list[StrictStr]
    enable_enriched_texts: StrictBool | None = None  # accepted; BM25 reads chunk text


class DeleteForm(Form):
    collection_name: StrictStr
    file_id: StrictStr


class EmbedForm(Form):
    texts: list[StrictStr] | None = Field(default=None, max_length=10_000)
    content: StrictStr | None = None
    name: StrictStr = "text"
    collection_name: StrictStr | None = None


class RagQueryForm(QueryForm):
    collection_names: list[StrictStr] | None = None
    knowledge_ids: list[StrictStr] | None = None
    file_ids: list[StrictStr] | None = None


def chroma(found: Retrieved, *, ids: bool) -> dict[str, Any]:
    """Open WebUI's result: vector results carry ids, hybrid and merged ones do not."""
    shaped = {"distances": [[c.score for c in found.chunks]],
              "documents": [[c.text for c in found.chunks]],
              "metadatas": [[dict(c.metadata) for c in found.chunks]]}
    return {"ids": [[c.id for c in found.chunks]], **shaped} if ids else shaped


@endpoint(overrides=DIALECT)
async def process_text(request: Request, ctx: Context) -> dict:
    await require_verified(ctx)  # a stranger is 401 whatever the body
    form = await parse_body(request, ProcessTextForm)
    done = await indexing.process_text(ctx, form.name, form.content, form.collection_name)
    return {"status": True, "collection_name": done.collection, "content": form.content}


@endpoint(overrides=DIALECT)
async def process_files_batch(request: Request, ctx: Context) -> dict:
    await require_verified(ctx)  # a stranger is 401 whatever the body
    form = await parse_body(request, BatchForm)
    outcomes = await indexing.index_files(ctx, form.collection_name, [f.id for f in form.files])
    return {"results": [{"file_id": o.file_id, "status": "completed"}
                        for o in outcomes if o.error is None],
            "errors": [{"file_id": o.file_id, "status": "failed", "error": o.error}
                       for o in outcomes if o.error is not None]}


@endpoint(overrides=DIALECT)
async def query_doc(request: Request, ctx: Context) -> dict:
    await require_verified(ctx)  # a stranger is 401 whatever the body
    form = await parse_body(request, QueryDocForm)
    found = await queries.query_collections(ctx, [form.collection_name], form.query,
                                            form.options())
    return chroma(found, ids=not found.hybrid)


@endpoint(overrides=DIALECT)
async def query_collection(request: Request, ctx: Context) -> dict:
    await require_verified(ctx)  # a stranger is 401 whatever the body
    form = await parse_body(request, QueryCollectionForm)
    found = await queries.query_collections(ctx, form.collection_names, form.query,
                                            form.options())
    return chroma(found, ids=False)


@endpoint(overrides=DIALECT)
async def delete_entries(request: Request, ctx: Context) -> dict:
    await require_admin(ctx)  # others are 401 whatever the body
    form = await parse_body(request, DeleteForm)
    return {"status": await indexing.delete_file_from_collection(
        ctx, form.collection_name, form.file_id)}


@endpoint(overrides=DIALECT)
async def reset_db(request: Request, ctx: Context) -> dict:
    await indexing.reset_vectors(ctx)
    return {"status": True}


@endpoint(overrides=DIALECT)
async def rag_embed(request: Request, ctx: Context) -> Any:
    """`texts`: their vectors. `content`: indexed into `collection_name` (added to it),
    or into the collection named by its sha256."""
    await require_verified(ctx)  # a stranger is 401 whatever the body
    form = await parse_body(request, EmbedForm)
    if (form.texts is None) == (form.content is None):
        return error_response(400, "Send either texts (to embed) or content (to index).")
    if form.texts is not None:
        vectors = await embed_texts(ctx, form.texts)
        embedder = ctx.services.embedder
        return {"model": embedder.model, "engine": embedder.engine or "local",
                "embeddings": vectors}
    done = await indexing.process_text(ctx, form.name, form.content, form.collection_name,
                                       add=True)
    return {"status": True, "collection_name": done.collection, "ids": done.ids}


@endpoint(overrides=DIALECT)
async def rag_query(request: Request, ctx: Context) -> dict:
    await require_verified(ctx)  # a stranger is 401 whatever the body
    form = await parse_body(request, RagQueryForm)
    found = await queries.retrieve(ctx, form.query, knowledge_ids=form.knowledge_ids,
                                   file_ids=form.file_ids,
                                   collection_names=form.collection_names,
                                   options=form.options())
    return {"hybrid": found.hybrid, "results": [
        {"text": c.text, "score": c.score, "collection": c.collection,
         "file_id": c.metadata.get("file_id"),
         "source": c.metadata.get("name") or c.metadata.get("source"),
         "metadata": dict(c.metadata)} for c in found.chunks]}


def routes() -> list[Route]:
    return [
        Route(f"{V1}/process/text", process_text, methods=["POST"]),
        Route(f"{V1}/process/files/batch", process_files_batch, methods=["POST"]),
        Route(f"{V1}/query/doc", query_doc, methods=["POST"]),
        Route(f"{V1}/query/collection", query_collection, methods=["POST"]),
        Route(f"{V1}/delete", delete_entries, methods=["POST"]),
        Route(f"{V1}/reset/db", reset_db, methods=["POST"]),
        *config_routes(V1),
        Route(f"{SHORT}/embed", rag_embed, methods=["POST"]),
        Route(f"{SHORT}/query", rag_query, methods=["POST"]),
    ]
