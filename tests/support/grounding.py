"""Fixtures for grounded answers: one scripted server that is both the chat upstream and
the embedding engine (embedding by meaning), and documents whose chunks are already in
their collections (`file-<id>`, or a knowledge base's id), as processing leaves them.

Import into a test module: `from tests.support.grounding import *  # noqa: F403`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from data.tables import KnowledgeRow
from resolvers.context import Context
from resolvers.retrieval.chunks import Chunk, add_chunks
from tests.support.ai import UPSTREAM_KEY, live
from tests.support.embeddings import DIMS, MODEL, bag_of_words, embedding_env
from tests.support.files import upload
from tests.support.upstream import ScriptedUpstream

__all__ = ["OTHER", "PASSAGE", "QUESTION", "add_knowledge", "chunked_file", "env_overrides",
           "grounding_env", "live", "upstream", "work_done"]

PASSAGE = "The lighthouse keeper Marta Ilves lit the lamp at Kõpu every night in 1931."
OTHER = "Ferries to Hiiumaa leave from Rohuküla harbour several times a day."
QUESTION = "Who lit the lamp at the lighthouse?"


@pytest.fixture
async def upstream() -> AsyncIterator[ScriptedUpstream]:
    async with ScriptedUpstream(key=UPSTREAM_KEY) as scripted:
        scripted.script(MODEL, dims=DIMS)
        scripted.vectorize = bag_of_words
        yield scripted


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return grounding_env(upstream)


def grounding_env(upstream: ScriptedUpstream) -> dict[str, str]:
    """Everyone may use the upstream's models (the documents are what is tested), and
    one passage per document is retrieved."""
    return {"OLLAMA_BASE_URLS": upstream.url, "OPENAI_API_BASE_URLS": upstream.openai_url,
            "OPENAI_API_KEYS": UPSTREAM_KEY, "UPSTREAM_IDLE_TIMEOUT": "2",
            **embedding_env(upstream.url), "RAG_TOP_K": "1",
            "BYPASS_MODEL_ACCESS_CONTROL": "true"}


async def chunked_file(app, client, token: str, name: str, *texts: str) -> str:
    """An uploaded file whose chunks (one per text) are in `file-<id>`."""
    body = await upload(client, token, name, "\n\n".join(texts).encode(), process="false")
    await add_chunks(Context(app.state.services), f"file-{body['id']}",
                     [Chunk(t, {"file_id": body["id"], "name": name, "source": name})
                      for t in texts])
    return body["id"]


async def add_knowledge(app, owner_id: str, name: str, *texts: str) -> str:
    """A knowledge base row of `owner_id`'s with its chunks in its collection."""
    knowledge_id = str(uuid.uuid4())
    ctx = Context(app.state.services)
    async with ctx.unit_of_work(write=True):
        ctx.session.add(KnowledgeRow(id=knowledge_id, user_id=owner_id, name=name,
                                     description="", meta=None, created_at=0, updated_at=0))
    await add_chunks(Context(app.state.services), knowledge_id,
                     [Chunk(t, {"name": name, "source": f"{name}-{i}.md"})
                      for i, t in enumerate(texts)])
    return knowledge_id


def work_done(upstream: ScriptedUpstream) -> int:
    """Embeddings and chats the upstream was asked for (model lists aside)."""
    return len([r for r in upstream.requests if r.path in (
        "/api/embed", "/v1/chat/completions", "/api/chat")])
