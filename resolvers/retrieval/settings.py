"""Retrieval's runtime settings (data.rag_settings): the search defaults every search
reads, and the embedding engine, which administrators read and change. API keys leave
only masked; a masked key sent back unchanged keeps the stored one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from data.embeddings.settings import AZURE_OPENAI, LOCAL, OLLAMA, OPENAI, EmbeddingSettings
from data.rag_settings import EMBEDDING_SETTINGS, SEARCH_SETTINGS
from data.reranking import EXTERNAL, RerankSettings, RerankSettingsError, load_rerank_settings
from data.vectors.settings import RetrievalSettings
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.permissions import require_admin

KEYS = ("OPENAI_KEY", "OLLAMA_KEY", "AZURE_KEY", "RAG_EXTERNAL_RERANKER_API_KEY")
ENGINES = (LOCAL, OLLAMA, OPENAI, AZURE_OPENAI)
MASK = "********"


def _stored(values: Mapping[str, Any], key: str, fallback: Any) -> Any:
    """A row's value when it has the setting's type; a row written by hand or by another
    program with something else falls back to the process's setting."""
    value = values.get(key)
    kind = type(fallback)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    return fallback


async def search_settings(ctx: Context) -> RetrievalSettings:
    """RAG_TOP_K and the others as they are now (admins may have changed them)."""
    values = await ctx.services.config.current()
    base = ctx.settings.vectors.retrieval
    return dataclasses.replace(
        base, top_k=_stored(values, "rag.top_k", base.top_k),
        top_k_reranker=_stored(values, "rag.top_k_reranker", base.top_k_reranker),
        relevance_threshold=_stored(values, "rag.relevance_threshold",
                                    float(base.relevance_threshold)),
        bm25_weight=_stored(values, "rag.hybrid_bm25_weight", float(base.bm25_weight)),
        hybrid=_stored(values, "rag.enable_hybrid_search", base.hybrid),
        reranker=_reranker(values, base.reranker))


RERANKER_ROWS = {name: SEARCH_SETTINGS[name][0] for name in (
    "RAG_RERANKING_ENGINE", "RAG_RERANKING_MODEL", "RAG_EXTERNAL_RERANKER_URL",
    "RAG_EXTERNAL_RERANKER_API_KEY", "RAG_EXTERNAL_RERANKER_TIMEOUT")}


def _reranker(values: Mapping[str, Any], base: RerankSettings) -> RerankSettings:
    """The reranker the rows name, read as the environment's variables are; rows that
    do not make a usable reranker (written by hand or elsewhere) leave the process's."""
    rows = {name: values.get(key) for name, key in RERANKER_ROWS.items()}
    if rows["RAG_EXTERNAL_RERANKER_TIMEOUT"] in (None, ""):
        rows["RAG_EXTERNAL_RERANKER_TIMEOUT"] = ""
    elif isinstance(rows["RAG_EXTERNAL_RERANKER_TIMEOUT"], int | float):
        rows["RAG_EXTERNAL_RERANKER_TIMEOUT"] = str(rows["RAG_EXTERNAL_RERANKER_TIMEOUT"])
    if not all(isinstance(v, str) for v in rows.values()):
        return base
    try:
        return load_rerank_settings(rows)
    except RerankSettingsError:
        return base


def embedding_settings(values: Mapping[str, Any], base: EmbeddingSettings
                       ) -> EmbeddingSettings:
    """The engine as configured in `values` (the config rows); timeouts and concurrency
    stay the process's."""
    engine = _stored(values, "rag.embedding_engine", base.engine)
    configured = dataclasses.replace(
        base, engine=engine if engine in ENGINES else base.engine,
        model=_stored(values, "rag.embedding_model", base.model),
        batch_size=_stored(values, "rag.embedding_batch_size", base.batch_size),
        openai_base_url=_stored(values, "rag.openai_api_base_url",
                                base.openai_base_url).rstrip("/"),
        openai_key=_stored(values, "rag.openai_api_key", base.openai_key),
        ollama_base_url=_stored(values, "rag.ollama.url", base.ollama_base_url).rstrip("/"),
        ollama_key=_stored(values, "rag.ollama.key", base.ollama_key),
        azure_base_url=_stored(values, "rag.azure_openai.base_url",
                               base.azure_base_url).rstrip("/"),
        azure_key=_stored(values, "rag.azure_openai.api_key", base.azure_key),
        azure_version=_stored(values, "rag.azure_openai.api_version", base.azure_version))
    if configured.engine == AZURE_OPENAI and not (configured.azure_base_url
                                                  and configured.azure_version):
        # rows written elsewhere that name Azure without saying where: as for a bad row
        return dataclasses.replace(configured, engine=base.engine)
    return configured


def mask(key: str) -> str:
    """Enough of a key to tell keys apart, never enough to use it."""
    if not key:
        return ""
    return key[:3] + MASK + key[-4:] if len(key) >= 16 else MASK


def _whole(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _number(low: float, high: float) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int | float) and not isinstance(v, bool) \
        and low <= v <= high


def _url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2000 or "\x00" in value:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 4000 and "\x00" not in value


def _seconds(value: Any) -> bool:
    """Open WebUI's form takes the reranker's timeout as text."""
    if value == "":
        return True
    try:
        return isinstance(value, str) and 0 < float(value) <= 86400
    except ValueError:
        return False


RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "TOP_K": (_whole(1, 10_000), "a whole number from 1 to 10000"),
    "TOP_K_RERANKER": (_whole(1, 10_000), "a whole number from 1 to 10000"),
    "RELEVANCE_THRESHOLD": (_number(-1, 1), "a number from -1 to 1"),
    "HYBRID_BM25_WEIGHT": (_number(0, 1), "a number from 0 to 1"),
    "ENABLE_RAG_HYBRID_SEARCH": (lambda v: isinstance(v, bool), "true or false"),
    "RAG_EMBEDDING_ENGINE": (lambda v: v in ENGINES,
                             "empty (local), ollama, openai or azure_openai"),
    "RAG_EMBEDDING_MODEL": (lambda v: _text(v) and bool(v.strip()), "a model name"),
    "RAG_EMBEDDING_BATCH_SIZE": (_whole(1, 10_000), "a whole number from 1 to 10000"),
    "OPENAI_URL": (_url, "an http(s) URL"), "OLLAMA_URL": (_url, "an http(s) URL"),
    "OPENAI_KEY": (_text, "a string"), "OLLAMA_KEY": (_text, "a string"),
    "RAG_RERANKING_ENGINE": (lambda v: v in ("", EXTERNAL),
                             "empty (no reranker: the embedding cosine) or external"),
    "RAG_RERANKING_MODEL": (_text, "a string"),
    "RAG_EXTERNAL_RERANKER_URL": (lambda v: v == "" or _url(v), "empty or an http(s) URL"),
    "RAG_EXTERNAL_RERANKER_API_KEY": (_text, "a string"),
    "RAG_EXTERNAL_RERANKER_TIMEOUT": (_seconds, "empty or seconds from 0 to 86400, as text"),
    # Empty until Azure is chosen, as Open WebUI seeds them.
    "AZURE_URL": (lambda v: v == "" or _url(v), "empty or an http(s) URL"),
    "AZURE_KEY": (_text, "a string"),
    "AZURE_VERSION": (lambda v: _text(v) and len(v) <= 100, "an API version such as "
                      "2024-02-01"),
}


# An engine that cannot work without these settings: switching to it, or emptying one of
# them while it is chosen, is refused rather than failing at the next search.
NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("RAG_EMBEDDING_ENGINE", AZURE_OPENAI): ("AZURE_URL", "AZURE_VERSION"),
    ("RAG_RERANKING_ENGINE", EXTERNAL): ("RAG_EXTERNAL_RERANKER_URL",),
}


def _check_complete(table: Mapping[str, tuple[str, Any]], stored: Mapping[str, Any],
                    changes: Mapping[str, Any]) -> None:
    after = {name: changes.get(name, stored.get(key)) for name, (key, _) in table.items()}
    for (name, engine), needed in NEEDS.items():
        missing = [n for n in needed if name in after and after[name] == engine
                   and not after.get(n)]
        if missing:
            raise Invalid(f"{name}={engine} needs {' and '.join(missing)}.",
                          reason="invalid_setting", field=missing[0])


async def _read(ctx: Context, table: Mapping[str, tuple[str, Any]]) -> dict[str, Any]:
    values = await ctx.services.config.get_all(ctx.session, fresh=True)
    found = {name: values[key] for name, (key, _) in table.items()}
    return {name: mask(v) if name in KEYS else v for name, v in found.items()}


async def _write(ctx: Context, table: Mapping[str, tuple[str, Any]],
                 changes: Mapping[str, Any]) -> None:
    unknown = changes.keys() - table.keys()
    if unknown:
        raise Invalid(f"Unknown settings: {', '.join(sorted(unknown))}.",
                      reason="invalid_setting")
    for name, value in changes.items():
        check, wanted = RULES[name]
        if not check(value):
            raise Invalid(f"{name} must be {wanted}.", reason="invalid_setting", field=name)
    stored = await ctx.services.config.get_all(ctx.session, fresh=True)
    _check_complete(table, stored, changes)
    rows = {}
    for name, value in changes.items():
        key = table[name][0]
        if name in KEYS and value == mask(stored[key]) and value:
            continue  # the masked key came back as it was shown: keep the real one
        rows[key] = value
    if rows:
        await ctx.services.config.set(ctx.session, rows)


async def get_search_config(ctx: Context) -> dict[str, Any]:
    """Administrators: the search defaults by Open WebUI's names."""
    await require_admin(ctx)
    return await _read(ctx, SEARCH_SETTINGS)


async def update_search_config(ctx: Context, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Administrators: change any search defaults; every value checked before any is
    written."""
    await require_admin(ctx)
    await _write(ctx, SEARCH_SETTINGS, changes)
    return await _read(ctx, SEARCH_SETTINGS)


async def get_embedding_config(ctx: Context) -> dict[str, Any]:
    """Administrators: the embedding engine, its keys masked."""
    await require_admin(ctx)
    return await _read(ctx, EMBEDDING_SETTINGS)


async def update_embedding_config(ctx: Context, changes: Mapping[str, Any]
                                  ) -> dict[str, Any]:
    """Administrators: change the engine; the next embedding anywhere uses it (collections
    built with another model need re-indexing)."""
    await require_admin(ctx)
    await _write(ctx, EMBEDDING_SETTINGS, changes)
    return await _read(ctx, EMBEDDING_SETTINGS)
