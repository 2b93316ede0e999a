"""The re-index resolver in process (SQLite and PostgreSQL), with embeddings from the
scripted Ollama server: a failing server writes and records nothing; `restart` and a
change of embedding model start over; a knowledge base is copied from its files'
vectors, not embedded again. (The command itself: tests/test_reindex_command.py.)"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from data.embeddings import make_embedder
from data.repos.files import FileChunkRepo
from data.tables import FileRow, KnowledgeFileRow, KnowledgeRow, ReindexProgressRow
from resolvers.retrieval.reindex import reindex
from tests.support.embeddings import *  # noqa: F403 (the scripted embedding fixtures)
from tests.support.embeddings import embedding_env


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:  # noqa: F811
    # No short timeout: on a busy machine a slow answer must not pass for a failure.
    return embedding_env(upstream.url) | {"RAG_EMBEDDING_TIMEOUT": "60"}

TEXT = "# Tides\n\nSpring tides follow the full and the new moon."
CHUNKS = ["Neap tides come at the quarter moons.", "Tide tables are printed each year."]


@pytest.fixture
async def services(app):
    services = app.state.services
    async with services.write_sessionmaker() as session:
        session.add_all([
            FileRow(id="f1", user_id="u1", filename="tides.md", data={"content": TEXT},
                    meta={}, created_at=1, updated_at=1),
            FileRow(id="f2", user_id="u1", filename="neap.txt", data={"status": "completed"},
                    meta={}, created_at=2, updated_at=2),
            KnowledgeRow(id="kb-sea", user_id="u1", name="Sea", description="", meta={},
                         created_at=3, updated_at=3)])
        await session.flush()
        session.add_all([KnowledgeFileRow(id=f"l{i}", knowledge_id="kb-sea", file_id=f,
                                          user_id="u1", created_at=4 + i, updated_at=4 + i)
                         for i, f in enumerate(("f1", "f2"))])
        await FileChunkRepo(session).replace("f2", [(t, {"file_id": "f2"}) for t in CHUNKS])
        await session.commit()
    return services


async def progress(services) -> set[str]:
    async with services.sessionmaker() as session:
        return set((await session.execute(select(ReindexProgressRow.target))).scalars())


async def test_a_failing_embedding_server_writes_and_records_nothing(services, upstream):
    upstream.script(MODEL, dims=DIMS, status=503, error_message="overloaded")  # noqa: F405
    outcome = await reindex(services)
    assert outcome.failed is not None and outcome.failed[0] == "file:f1"
    assert "overloaded" in outcome.failed[1] and not outcome.finished
    assert await progress(services) == set()
    assert not await services.vectors.has_collection("file-f1")


async def test_restart_and_another_model_start_over(services, upstream):
    first = await reindex(services, limit=1)
    assert (first.written, first.embedded, first.finished) == (1, 1, False)
    again = await reindex(services, limit=1)
    assert (again.resumed, again.written, again.embedded) == (1, 1, 2)  # f2 next
    restarted = await reindex(services, restart=True, limit=1)
    assert (restarted.resumed, restarted.written) == (0, 1)
    assert await progress(services) == {"file:f1"}
    services.embedder = make_embedder(dataclasses.replace(
        services.settings.embeddings, model="qwen3:4b"), services.llm)
    other = await reindex(services, limit=1)
    assert (other.discarded, other.resumed, other.written) == (1, 0, 1)
    stored = await services.vectors.get("file-f1")
    assert stored.metadatas[0][0]["embedding_config"]["model"] == "qwen3:4b"


async def test_a_knowledge_base_is_copied_from_its_files(services, upstream):
    outcome = await reindex(services)
    assert outcome.finished and (outcome.total, outcome.written) == (3, 3)
    assert (outcome.chunks, outcome.embedded) == (6, 3)  # 3 file chunks, then 3 copied
    assert await progress(services) == set()
    files = [await services.vectors.get(f"file-{f}") for f in ("f1", "f2")]
    base = await services.vectors.get("kb-sea")
    assert sorted(base.documents[0]) == sorted(t for f in files for t in f.documents[0])
    assert {m["file_id"] for m in base.metadatas[0]} == {"f1", "f2"}
    vectors = await services.vectors.vectors("kb-sea", base.ids[0])
    originals = await services.vectors.vectors("file-f2", files[1].ids[0])
    assert set(map(tuple, originals.values())) <= set(map(tuple, vectors.values()))
