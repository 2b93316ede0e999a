"""The scripted model server with two more routes on the same real socket: an external
reranker (`POST /v1/rerank`, the `{model, query, documents, top_n}` -> `results[].index,
relevance_score` shape Open WebUI posts and reads) and Azure OpenAI's embeddings
(`POST /openai/deployments/{deployment}/embeddings?api-version=...` with an `api-key`
header). Knobs say how each answers; every request is recorded by the base class."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.upstream import ScriptedUpstream

AZURE_PATH = re.compile(r"/openai/deployments/([^/]+)/embeddings")


def shared_words(query: str, document: str) -> float:
    """The share of the query's words the document holds."""
    words = set(re.findall(r"\w+", query.lower()))
    return len(words & set(re.findall(r"\w+", document.lower()))) / max(len(words), 1)


class ScriptedModels(ScriptedUpstream):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.score: Callable[[str, str], float] = shared_words
        self.rerank_status = 200
        self.rerank_delay = 0.0
        self.rerank_answer: Any = None  # answered as is instead of the scores
        self.azure_key = "azure-key"
        self.azure_version = "2024-02-01"
        self.azure_statuses: list[int] = []  # answered first, one per request (e.g. 429)

    async def _route(self, method, path, headers, body, reader, writer) -> bool:
        url = urlsplit(path)
        if method == "POST" and url.path == "/v1/rerank":
            return await self._rerank(writer, headers, body)
        azure = AZURE_PATH.fullmatch(url.path)
        if method == "POST" and azure:
            return await self._azure(writer, headers, body, azure.group(1), url.query)
        return await super()._route(method, path, headers, body, reader, writer)

    async def _rerank(self, writer, headers, body) -> bool:
        if self.key and headers.get("authorization") != f"Bearer {self.key}":
            return await self._json(writer, 401, {"detail": "bad key"})
        if self.rerank_delay:
            await asyncio.sleep(self.rerank_delay)
        if self.rerank_status >= 400:
            return await self._json(writer, self.rerank_status, {"detail": "reranker down"})
        if self.rerank_answer is not None:
            return await self._json(writer, 200, self.rerank_answer)
        documents = body.get("documents", [])
        scored = sorted(((self.score(body["query"], d), i) for i, d in enumerate(documents)),
                        reverse=True)[:body.get("top_n", len(documents))]
        return await self._json(writer, 200, {"model": body.get("model"), "results": [
            {"index": i, "relevance_score": s, "document": {"text": documents[i]}}
            for s, i in scored]})

    async def _azure(self, writer, headers, body, deployment: str, query: str) -> bool:
        if headers.get("api-key") != self.azure_key:
            return await self._json(writer, 401, {"error": {"message": "Access denied due "
                                                            "to invalid subscription key."}})
        if parse_qs(query).get("api-version") != [self.azure_version]:
            return await self._json(writer, 404, {"error": {"message": "Resource not found"}})
        if self.azure_statuses:  # with a Retry-After of 0 s, so tests do not wait
            data = b'{"error": {"message": "Rate limit is exceeded."}}'
            writer.write(f"HTTP/1.1 {self.azure_statuses.pop(0)} X\r\nContent-Type: "
                         f"application/json\r\nRetry-After: 0\r\nContent-Length: "
                         f"{len(data)}\r\n\r\n".encode() + data)
            await writer.drain()
            return True
        inputs = body.get("input", [])
        vectors = [(self.vectorize or (lambda t: [1.0] * 4))(str(t)) for t in inputs]
        return await self._json(writer, 200, {"object": "list", "model": deployment, "data": [
            {"object": "embedding", "index": i, "embedding": v}
            for i, v in enumerate(vectors)]})
