"""The embedding engine, from Open WebUI's variables (rest-ai.md §8.4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LOCAL, OLLAMA, OPENAI, AZURE_OPENAI = "", "ollama", "openai", "azure_openai"
DEFAULT_LOCAL_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class EmbeddingSettingsError(ValueError):
    """A bad variable; the message names it."""


@dataclass(frozen=True)
class EmbeddingSettings:
    engine: str = LOCAL
    model: str = DEFAULT_LOCAL_MODEL
    openai_base_url: str = "https://api.openai.com/v1"
    openai_key: str = ""
    ollama_base_url: str = "http://localhost:11434"
    ollama_key: str = ""
    # Azure OpenAI: the deployment is RAG_EMBEDDING_MODEL; the key goes in `api-key`.
    azure_base_url: str = ""
    azure_key: str = ""
    azure_version: str = ""
    batch_size: int = 1
    concurrency: int = 0  # requests at once; 0 = no limit
    timeout: float | None = None  # seconds for one request; None = the client's idle limit


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise EmbeddingSettingsError(f"{name}={raw!r}: expected a number from {low} to "
                                     f"{high}")
    return int(raw)


def load_embedding_settings(env: Mapping[str, str]) -> EmbeddingSettings:
    engine = (env.get("RAG_EMBEDDING_ENGINE") or "").strip().lower()
    if engine not in (LOCAL, OLLAMA, OPENAI, AZURE_OPENAI):
        raise EmbeddingSettingsError(f"RAG_EMBEDDING_ENGINE={engine!r}: expected empty "
                                     "(local), ollama, openai or azure_openai")
    azure_url = (env.get("RAG_AZURE_OPENAI_BASE_URL") or "").strip().rstrip("/")
    azure_version = (env.get("RAG_AZURE_OPENAI_API_VERSION") or "").strip()
    if engine == AZURE_OPENAI and not (azure_url and azure_version):
        raise EmbeddingSettingsError("RAG_EMBEDDING_ENGINE=azure_openai needs "
                                     "RAG_AZURE_OPENAI_BASE_URL and "
                                     "RAG_AZURE_OPENAI_API_VERSION")
    model = (env.get("RAG_EMBEDDING_MODEL") or "").strip() or DEFAULT_LOCAL_MODEL
    raw_timeout = (env.get("RAG_EMBEDDING_TIMEOUT") or "").strip()
    timeout = None
    if raw_timeout:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            raise EmbeddingSettingsError(f"RAG_EMBEDDING_TIMEOUT={raw_timeout!r}: expected "
                                         "seconds") from None
        if not 0 < timeout <= 86400:
            raise EmbeddingSettingsError(f"RAG_EMBEDDING_TIMEOUT={raw_timeout!r}: expected "
                                         "seconds from 0 to 86400")
    return EmbeddingSettings(
        engine=engine, model=model,
        openai_base_url=(env.get("RAG_OPENAI_API_BASE_URL") or env.get("OPENAI_API_BASE_URL")
                         or "https://api.openai.com/v1").strip().rstrip("/"),
        openai_key=(env.get("RAG_OPENAI_API_KEY") or env.get("OPENAI_API_KEY") or "").strip(),
        ollama_base_url=(env.get("RAG_OLLAMA_BASE_URL") or env.get("OLLAMA_BASE_URL")
                         or "http://localhost:11434").strip().rstrip("/"),
        ollama_key=(env.get("RAG_OLLAMA_API_KEY") or "").strip(),
        azure_base_url=azure_url, azure_version=azure_version,
        azure_key=(env.get("RAG_AZURE_OPENAI_API_KEY") or "").strip(),
        batch_size=_whole(env, "RAG_EMBEDDING_BATCH_SIZE", 1, 1, 10_000),
        concurrency=_whole(env, "RAG_EMBEDDING_CONCURRENT_REQUESTS", 0, 0, 1000),
        timeout=timeout)
