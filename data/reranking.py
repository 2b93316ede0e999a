"""Reranking through an external reranker (Open WebUI's RAG_RERANKING_ENGINE=external):
POST `{model, query, documents, top_n}` to RAG_EXTERNAL_RERANKER_URL (the full URL, with
its path) with the key as a Bearer token, and read `results[].index` and
`results[].relevance_score`, the shape Jina, Cohere, vLLM, llama.cpp and LiteLLM answer.
It goes through the process's one upstream HTTP client; whatever goes wrong is an
UpstreamError with a message fit for users (never the URL or the key).

Open WebUI's other engine (empty: a local cross-encoder) is not available here; without
an external reranker, hybrid search keeps Open WebUI's fallback, the embedding cosine.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from data.llm.base import Connection, UpstreamBroken, UpstreamError, UpstreamTimeout
from data.llm.streams import Interruptible

EXTERNAL = "external"
MAX_ANSWER = 16 * 1024 * 1024
LABEL = "The reranker"


class RerankSettingsError(ValueError):
    """A bad variable; the message names it."""


@dataclass(frozen=True)
class RerankSettings:
    engine: str = ""  # "" (no reranker here: cosine) or "external"
    model: str = ""
    url: str = ""
    api_key: str = ""
    timeout: float | None = None  # seconds; None: the upstream client's idle limit

    @property
    def external(self) -> bool:
        return self.engine == EXTERNAL


def load_rerank_settings(env: Mapping[str, str]) -> RerankSettings:
    engine = (env.get("RAG_RERANKING_ENGINE") or "").strip().lower()
    if engine not in ("", EXTERNAL):
        raise RerankSettingsError(f"RAG_RERANKING_ENGINE={engine!r}: expected empty or "
                                  "external")
    url = (env.get("RAG_EXTERNAL_RERANKER_URL") or "").strip()
    if engine == EXTERNAL and not url.startswith(("http://", "https://")):
        raise RerankSettingsError("RAG_RERANKING_ENGINE=external needs "
                                  "RAG_EXTERNAL_RERANKER_URL, an http(s) URL")
    raw = (env.get("RAG_EXTERNAL_RERANKER_TIMEOUT") or "").strip()
    timeout = None
    if raw:
        try:
            timeout = float(raw)
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 86400:
            raise RerankSettingsError(f"RAG_EXTERNAL_RERANKER_TIMEOUT={raw!r}: expected "
                                      "seconds from 0 to 86400")
    return RerankSettings(engine=engine, model=(env.get("RAG_RERANKING_MODEL") or "").strip(),
                          url=url, api_key=(env.get("RAG_EXTERNAL_RERANKER_API_KEY") or ""
                                            ).strip(), timeout=timeout)


class ExternalReranker:
    def __init__(self, upstreams: Any, settings: RerankSettings):
        self.upstreams, self.settings = upstreams, settings
        self.connection = Connection(kind="openai", idx=0, base_url=settings.url,
                                     key=settings.api_key)

    async def scores(self, query: str, documents: Sequence[str]) -> list[float | None]:
        """One relevance score per document, in order (None for one it left out)."""
        if not documents:
            return []
        body = {"model": self.settings.model, "query": query, "documents": list(documents),
                "top_n": len(documents)}
        try:
            async with asyncio.timeout(self.settings.timeout):
                answer = await self._post(json.dumps(body).encode())
        except TimeoutError:
            raise UpstreamTimeout(f"{LABEL} did not answer within "
                                  f"{self.settings.timeout:g} s.") from None
        except UpstreamError as error:
            error.message = error.message.replace(self.connection.label, LABEL)
            error.args = (error.message,)
            raise
        return _scores(answer, len(documents))

    async def _post(self, body: bytes) -> Any:
        answer = await self.upstreams.open(self.connection, "POST", "", body, Interruptible())
        if answer.status >= 400:
            raise await answer.refused((self.settings.api_key,) if self.settings.api_key
                                       else ())
        try:
            raw = await answer.read_all(MAX_ANSWER)
        finally:
            await answer.aclose()
        try:
            return json.loads(raw)
        except ValueError:
            raise UpstreamBroken(f"{LABEL} answered something that is not JSON.") from None


def _scores(answer: Any, count: int) -> list[float | None]:
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list):
        raise UpstreamBroken(f"{LABEL} answered without a list of results.")
    scores: list[float | None] = [None] * count
    for result in results:
        index = result.get("index") if isinstance(result, dict) else None
        score = result.get("relevance_score") if isinstance(result, dict) else None
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count \
                or isinstance(score, bool) or not isinstance(score, int | float) \
                or not math.isfinite(score):
            raise UpstreamBroken(f"{LABEL} answered a result that is not an index of the "
                                 "documents sent with a finite relevance_score.")
        scores[index] = float(score)
    return scores
