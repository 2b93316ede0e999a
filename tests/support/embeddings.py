"""Embeddings that depend on the text, for tests that search by meaning: a text's words
hashed into buckets, so texts sharing words are near and texts sharing none are not."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator

import pytest

from tests.support.upstream import ScriptedUpstream

# The fixtures a module gets with `from tests.support.embeddings import *`: a scripted
# Ollama server that embeds by meaning, and the app's settings pointing at it.
__all__ = ["DIMS", "MODEL", "bag_of_words", "embedding_env", "env_overrides", "upstream"]

MODEL = "nomic-embed-text:latest"
DIMS = 64


def bag_of_words(text: str) -> list[float]:
    vector = [0.0] * DIMS
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMS] += 1.0
    return vector


def embedding_env(url: str) -> dict[str, str]:
    """The app's settings for embeddings from the scripted Ollama server at `url`."""
    return {"RAG_EMBEDDING_ENGINE": "ollama", "RAG_EMBEDDING_MODEL": MODEL,
            "RAG_OLLAMA_BASE_URL": url, "RAG_EMBEDDING_TIMEOUT": "1"}


@pytest.fixture
async def upstream() -> AsyncIterator[ScriptedUpstream]:
    async with ScriptedUpstream() as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return embedding_env(upstream.url)
