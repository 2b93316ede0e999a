"""Which vector store, and retrieval's defaults, from Open WebUI's variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from data.env import flag
from data.reranking import RerankSettings, RerankSettingsError, load_rerank_settings

EMBEDDED, WEAVIATE = "embedded", "weaviate"


class VectorSettingsError(ValueError):
    """A bad variable; the message names it."""


@dataclass(frozen=True)
class WeaviateSettings:
    http_host: str = ""
    http_port: int = 8080
    http_secure: bool = False
    grpc_host: str = ""  # empty: the HTTP host
    grpc_port: int = 50051
    grpc_secure: bool = False
    api_key: str = ""
    skip_init_checks: bool = False


@dataclass(frozen=True)
class RetrievalSettings:
    top_k: int = 3
    top_k_reranker: int = 3
    relevance_threshold: float = 0.0
    hybrid: bool = False
    bm25_weight: float = 0.5
    full_context: bool = False  # RAG_FULL_CONTEXT: whole documents, no retrieval
    # Open WebUI's BYPASS_EMBEDDING_AND_RETRIEVAL: files keep their text, get no vectors.
    bypass_embedding: bool = False
    # Open WebUI's ENABLE_RETRIEVAL_UNSCOPED_COLLECTIONS: non-admins may read collections
    # that are no file's, memory's, web search's or knowledge base's (e.g. sha256 names).
    unscoped_collections: bool = False
    reranker: RerankSettings = RerankSettings()  # RAG_RERANKING_ENGINE, RAG_EXTERNAL_*


@dataclass(frozen=True)
class VectorSettings:
    vector_db: str = EMBEDDED
    weaviate: WeaviateSettings = WeaviateSettings()
    retrieval: RetrievalSettings = RetrievalSettings()


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    return flag(env, name, default, VectorSettingsError)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float,
            *, whole: bool = False) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        raise VectorSettingsError(f"{name}={raw!r}: expected a number") from None
    if not low <= value <= high:
        raise VectorSettingsError(f"{name}={raw!r}: expected a number from {low:g} to "
                                  f"{high:g}")
    return value


def _reranker(env: Mapping[str, str]) -> RerankSettings:
    try:
        return load_rerank_settings(env)
    except RerankSettingsError as error:
        raise VectorSettingsError(str(error)) from None


def load_vector_settings(env: Mapping[str, str]) -> VectorSettings:
    # Open WebUI's default is chroma, a store Parley does not have; the embedded store
    # takes its place, and pgvector's (same database, no server) too.
    vector_db = (env.get("VECTOR_DB") or EMBEDDED).strip().lower()
    if vector_db in ("chroma", "pgvector"):
        vector_db = EMBEDDED
    if vector_db not in (EMBEDDED, WEAVIATE):
        raise VectorSettingsError(f"VECTOR_DB={env['VECTOR_DB']!r}: expected embedded or "
                                  "weaviate")
    weaviate = WeaviateSettings(
        http_host=(env.get("WEAVIATE_HTTP_HOST") or "").strip(),
        http_port=int(_number(env, "WEAVIATE_HTTP_PORT", 8080, 1, 65535, whole=True)),
        http_secure=_flag(env, "WEAVIATE_HTTP_SECURE", False),
        grpc_host=(env.get("WEAVIATE_GRPC_HOST") or "").strip(),
        grpc_port=int(_number(env, "WEAVIATE_GRPC_PORT", 50051, 1, 65535, whole=True)),
        grpc_secure=_flag(env, "WEAVIATE_GRPC_SECURE", False),
        api_key=(env.get("WEAVIATE_API_KEY") or "").strip(),
        skip_init_checks=_flag(env, "WEAVIATE_SKIP_INIT_CHECKS", False))
    if vector_db == WEAVIATE and not weaviate.http_host:
        raise VectorSettingsError("VECTOR_DB=weaviate needs WEAVIATE_HTTP_HOST")
    retrieval = RetrievalSettings(
        top_k=int(_number(env, "RAG_TOP_K", 3, 1, 10_000, whole=True)),
        top_k_reranker=int(_number(env, "RAG_TOP_K_RERANKER", 3, 1, 10_000, whole=True)),
        relevance_threshold=_number(env, "RAG_RELEVANCE_THRESHOLD", 0.0, -1.0, 1.0),
        hybrid=_flag(env, "ENABLE_RAG_HYBRID_SEARCH", False),
        bm25_weight=_number(env, "RAG_HYBRID_BM25_WEIGHT", 0.5, 0.0, 1.0),
        full_context=_flag(env, "RAG_FULL_CONTEXT", False),
        bypass_embedding=_flag(env, "BYPASS_EMBEDDING_AND_RETRIEVAL", False),
        unscoped_collections=_flag(env, "ENABLE_RETRIEVAL_UNSCOPED_COLLECTIONS", False),
        reranker=_reranker(env))
    return VectorSettings(vector_db, weaviate, retrieval)
