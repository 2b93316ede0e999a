"""Embeddings from an Ollama (`/api/embed`), OpenAI-compatible (`/embeddings`) or Azure
OpenAI (`/openai/deployments/{model}/embeddings?api-version=`, key in `api-key`, a 429
retried after its Retry-After as Open WebUI does) server, through the process's one
upstream HTTP client (data/llm/upstreams.py).

Inputs go in batches of RAG_EMBEDDING_BATCH_SIZE, at most
RAG_EMBEDDING_CONCURRENT_REQUESTS at once. Whatever goes wrong is an UpstreamError with a
message fit for users: the server down, too slow (RAG_EMBEDDING_TIMEOUT, else the
client's idle limit), refusing, or answering vectors that are not one per input, of
finite numbers and of one dimension (the expected one when the caller says).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from data.embeddings.settings import AZURE_OPENAI, OLLAMA, OPENAI, EmbeddingSettings
from data.llm.base import Connection, UpstreamBroken, UpstreamError, UpstreamTimeout
from data.llm.streams import Interruptible
from data.llm.upstreams import Upstreams

MAX_ANSWER = 256 * 1024 * 1024
AZURE_ATTEMPTS = 5  # Open WebUI's: a 429 is retried four times
MAX_RETRY_WAIT = 30.0  # seconds; a longer Retry-After is cut to this


class UpstreamEmbedder:
    def __init__(self, upstreams: Upstreams, settings: EmbeddingSettings):
        self.upstreams = upstreams
        self.settings = settings
        self.engine, self.model = settings.engine, settings.model
        ollama = settings.engine == OLLAMA
        self.connection = Connection(
            kind=settings.engine, idx=0,
            base_url=settings.ollama_base_url if ollama else settings.openai_base_url,
            key=settings.ollama_key if ollama else settings.openai_key)
        self.path = "/api/embed" if ollama else "/embeddings"
        if settings.engine == AZURE_OPENAI:
            self.connection = Connection(
                kind=OPENAI, idx=0, base_url=settings.azure_base_url,
                headers={"api-key": settings.azure_key} if settings.azure_key else {})
            self.path = (f"/openai/deployments/{quote(settings.model, safe='')}/embeddings"
                         f"?api-version={quote(settings.azure_version, safe='')}")
        self.secrets = tuple(k for k in (self.connection.key, settings.azure_key) if k)
        self._limit = asyncio.Semaphore(settings.concurrency) if settings.concurrency else None

    async def embed(self, texts: Sequence[str], *, dimension: int | None = None
                    ) -> list[list[float]]:
        """One vector per text, in order."""
        texts = [t.replace("\n", " ") for t in texts]  # as Open WebUI sends them
        size = self.settings.batch_size
        batches = [texts[i:i + size] for i in range(0, len(texts), size)]
        answers = await asyncio.gather(*(self._batch(b) for b in batches))
        vectors = [v for answer in answers for v in answer]
        expected = dimension or (len(vectors[0]) if vectors else None)
        for vector in vectors:
            if len(vector) != expected:
                raise UpstreamBroken(
                    f"The embedding server answered vectors of {len(vector)} dimensions "
                    f"where {expected} were expected; was RAG_EMBEDDING_MODEL changed? "
                    "Collections made with another model need re-indexing.")
        return vectors

    async def _batch(self, texts: list[str]) -> list[list[float]]:
        async with self._limit or contextlib.nullcontext():
            try:
                async with asyncio.timeout(self.settings.timeout):
                    answer = await self._post(texts)
            except TimeoutError:
                raise UpstreamTimeout(f"The embedding server did not answer within "
                                      f"{self.settings.timeout:g} s.") from None
            except UpstreamError as error:
                # Its message names "connection 0", which means nothing here.
                error.message = error.message.replace(self.connection.label,
                                                      "The embedding server")
                error.args = (error.message,)
                raise
        return self._vectors(answer, len(texts))

    async def _post(self, texts: list[str]) -> Any:
        body: dict[str, Any] = {"input": texts, "model": self.model}
        if self.engine == OLLAMA:
            body["truncate"] = True
        if self.engine == AZURE_OPENAI:
            body = {"input": texts}  # the deployment in the path is the model
        for attempt in range(AZURE_ATTEMPTS):
            answer = await self.upstreams.open(self.connection, "POST", self.path,
                                               json.dumps(body).encode(), Interruptible())
            if answer.status == 429 and self.engine == AZURE_OPENAI \
                    and attempt + 1 < AZURE_ATTEMPTS:
                # As Open WebUI: Azure's rate limit is waited out (Retry-After), within
                # RAG_EMBEDDING_TIMEOUT when one is set.
                wait = _seconds(answer.response.headers.get("Retry-After"))
                await answer.aclose()
                await asyncio.sleep(wait)
                continue
            break
        if answer.status >= 400:
            raise await answer.refused(self.secrets)
        try:
            raw = await answer.read_all(MAX_ANSWER)
        finally:
            await answer.aclose()
        try:
            return json.loads(raw)
        except ValueError:
            raise UpstreamBroken("The embedding server answered something that is not "
                                 "JSON.") from None

    def _vectors(self, answer: Any, count: int) -> list[list[float]]:
        if self.engine == OLLAMA:
            vectors = answer.get("embeddings") if isinstance(answer, dict) else None
        else:
            data = answer.get("data") if isinstance(answer, dict) else None
            vectors = [d.get("embedding") if isinstance(d, dict) else None
                       for d in sorted(data, key=_index)] if isinstance(data, list) else None
        if not isinstance(vectors, list) or len(vectors) != count:
            raise UpstreamBroken(f"The embedding server did not answer one vector for each "
                                 f"of the {count} texts.")
        for vector in vectors:
            if not isinstance(vector, list) or not vector or not all(
                    isinstance(x, int | float) and not isinstance(x, bool)
                    and math.isfinite(x) for x in vector):
                raise UpstreamBroken("The embedding server answered a vector that is not "
                                     "a list of finite numbers.")
        return vectors


def _seconds(retry_after: str | None) -> float:
    try:
        return min(max(float(retry_after or 1), 0.0), MAX_RETRY_WAIT)
    except ValueError:
        return 1.0


def _index(item: Any) -> int:
    index = item.get("index") if isinstance(item, dict) else None
    return index if isinstance(index, int) else 0
