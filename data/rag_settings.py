"""Retrieval's runtime settings under Open WebUI's `config` keys: the search defaults
(RAG_TOP_K, hybrid search...) and the embedding engine. They are seeded on first start
from the environment (data.vectors.settings and data.embeddings.settings read it) and
admins change them at run time through the retrieval config routes.

Each setting is named as in Open WebUI's config forms.
"""

from __future__ import annotations

from typing import Any

from data.embeddings.settings import DEFAULT_LOCAL_MODEL, EmbeddingSettings
from data.vectors.settings import VectorSettings

# name in Open WebUI's `/retrieval/config` form -> (config key, default)
SEARCH_SETTINGS: dict[str, tuple[str, Any]] = {
    "TOP_K": ("rag.top_k", 3),
    "TOP_K_RERANKER": ("rag.top_k_reranker", 3),
    "RELEVANCE_THRESHOLD": ("rag.relevance_threshold", 0.0),
    "HYBRID_BM25_WEIGHT": ("rag.hybrid_bm25_weight", 0.5),
    "ENABLE_RAG_HYBRID_SEARCH": ("rag.enable_hybrid_search", False),
    # The reranker (data/reranking.py); Open WebUI keeps its timeout as text ("" = none).
    "RAG_RERANKING_ENGINE": ("rag.reranking_engine", ""),
    "RAG_RERANKING_MODEL": ("rag.reranking_model", ""),
    "RAG_EXTERNAL_RERANKER_URL": ("rag.external_reranker_url", ""),
    "RAG_EXTERNAL_RERANKER_API_KEY": ("rag.external_reranker_api_key", ""),
    "RAG_EXTERNAL_RERANKER_TIMEOUT": ("rag.external_reranker_timeout", ""),
}
# name in Open WebUI's `/retrieval/embedding` form -> (config key, default)
EMBEDDING_SETTINGS: dict[str, tuple[str, Any]] = {
    "RAG_EMBEDDING_ENGINE": ("rag.embedding_engine", ""),
    "RAG_EMBEDDING_MODEL": ("rag.embedding_model", DEFAULT_LOCAL_MODEL),
    "RAG_EMBEDDING_BATCH_SIZE": ("rag.embedding_batch_size", 1),
    "OPENAI_URL": ("rag.openai_api_base_url", "https://api.openai.com/v1"),
    "OPENAI_KEY": ("rag.openai_api_key", ""),
    "OLLAMA_URL": ("rag.ollama.url", "http://localhost:11434"),
    "OLLAMA_KEY": ("rag.ollama.key", ""),
    "AZURE_URL": ("rag.azure_openai.base_url", ""),
    "AZURE_KEY": ("rag.azure_openai.api_key", ""),
    "AZURE_VERSION": ("rag.azure_openai.api_version", ""),
}
RAG_DEFAULTS: dict[str, Any] = dict([*SEARCH_SETTINGS.values(), *EMBEDDING_SETTINGS.values()])


def rag_seed(vectors: VectorSettings, embeddings: EmbeddingSettings) -> dict[str, Any]:
    """The `config` rows for retrieval, from the environment as already parsed."""
    search = vectors.retrieval
    return {
        "rag.top_k": search.top_k, "rag.top_k_reranker": search.top_k_reranker,
        "rag.relevance_threshold": search.relevance_threshold,
        "rag.hybrid_bm25_weight": search.bm25_weight,
        "rag.enable_hybrid_search": search.hybrid,
        "rag.reranking_engine": search.reranker.engine,
        "rag.reranking_model": search.reranker.model,
        "rag.external_reranker_url": search.reranker.url,
        "rag.external_reranker_api_key": search.reranker.api_key,
        "rag.external_reranker_timeout": f"{search.reranker.timeout:g}"
        if search.reranker.timeout else "",
        "rag.embedding_engine": embeddings.engine, "rag.embedding_model": embeddings.model,
        "rag.embedding_batch_size": embeddings.batch_size,
        "rag.openai_api_base_url": embeddings.openai_base_url,
        "rag.openai_api_key": embeddings.openai_key,
        "rag.ollama.url": embeddings.ollama_base_url, "rag.ollama.key": embeddings.ollama_key,
        "rag.azure_openai.base_url": embeddings.azure_base_url,
        "rag.azure_openai.api_key": embeddings.azure_key,
        "rag.azure_openai.api_version": embeddings.azure_version,
    }
