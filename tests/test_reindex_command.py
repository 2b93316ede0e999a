"""`python -m cli reindex` on an adopted Open WebUI database (SQLite and PostgreSQL), run
as the operator runs it, a process of its own, with embeddings from the scripted Ollama
server: files and a knowledge base become searchable, a run stopped by --limit resumes
without embedding finished files again, and an embedding server that is down stops the
run with its reason and writes nothing. (--restart and a change of model: in
tests/resolvers/test_reindex.py, in process.)"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from asgi import create_app
from data.db import create_engine
from data.migrate import migrate
from data.repos.files import FileChunkRepo
from data.settings import database_url as async_url
from data.tables import FileRow, KnowledgeFileRow, KnowledgeRow
from resolvers.context import Context
from resolvers.retrieval.search import search_keywords, search_vectors
from tests.conftest import make_settings
from tests.support.embeddings import MODEL, embedding_env, upstream  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
# An Open WebUI file: its text in data.content, no chunks of ours, no status.
ADOPTED = ("# Boat maintenance\n\nThe outboard engine needs fresh gear oil every spring.\n\n"
           "## Hull\n\nScrub the hull below the waterline before the sailing season.")
STORED = ["Chunk one: the harbour office opens at eight.",
          "Chunk two: mooring fees are paid by the month."]


async def _seed(url: str) -> None:
    engine = create_engine(async_url(url))
    try:
        await migrate(engine)  # adopted: Open WebUI's tables stay, ours are added
        async with engine.begin() as conn:
            from sqlalchemy.ext.asyncio import AsyncSession
            session = AsyncSession(bind=conn)
            session.add_all([
                _file("f1", 1, {"content": ADOPTED}),
                _file("f2", 2, {"status": "completed", "content": "not what was chunked"}),
                _file("f3", 3, {"status": "failed", "error": "x", "content": "stale text"}),
                KnowledgeRow(id="kb-boats", user_id="u1", name="Boats", description="",
                             meta={}, created_at=4, updated_at=4)])
            await session.flush()
            session.add_all([_link("l1", "f1", 5), _link("l2", "f2", 6), _link("l3", "f3", 7)])
            await FileChunkRepo(session).replace("f2", [(t, {"file_id": "f2", "name": "b.txt"})
                                                        for t in STORED])
            await session.flush()
    finally:
        await engine.dispose()


def _file(file_id: str, at: int, data: dict) -> FileRow:
    return FileRow(id=file_id, user_id="u1", filename=f"{file_id}.md", path=None, data=data,
                   meta={"name": f"{file_id}.md"}, created_at=at, updated_at=at)


def _link(link_id: str, file_id: str, at: int) -> KnowledgeFileRow:
    return KnowledgeFileRow(id=link_id, knowledge_id="kb-boats", file_id=file_id,
                            user_id="u1", created_at=at, updated_at=at)


async def _reindex(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "reindex", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode, err.decode()


def _embedded(upstream) -> list[str]:  # noqa: F811
    return [t for r in upstream.requests if r.path == "/api/embed" for t in r.body["input"]]


async def _progress(url: str) -> list[str]:
    engine = create_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(
                "SELECT target FROM parley_reindex_progress ORDER BY target"))).scalars())
    finally:
        await engine.dispose()


@pytest.fixture
async def adopted(openwebui_database_url, tmp_path, upstream):  # noqa: F811
    await _seed(openwebui_database_url)
    env = {**os.environ, "DATABASE_URL": openwebui_database_url,
           "DATA_DIR": str(tmp_path / "data"),
           "WEBUI_SECRET_KEY": "test-secret-key-0123456789abcdef",
           **embedding_env(upstream.url), "RAG_EMBEDDING_BATCH_SIZE": "2",
           "RAG_EMBEDDING_TIMEOUT": "60"}  # a busy machine: the failure is the 503 alone
    env.pop("VECTOR_DB", None)
    return openwebui_database_url, env


async def test_reindex_resumes_and_makes_knowledge_searchable(
        adopted, upstream, tmp_path):  # noqa: F811
    url, env = adopted
    upstream.script(MODEL, dims=64, status=503, error_message="overloaded")
    status, err = await _reindex(env)
    assert status == 1 and "stopped at file:f1" in err and "overloaded" in err, err
    assert await _progress(url) == []

    upstream.script(MODEL, dims=64)
    upstream.requests.clear()  # the refused attempt embedded nothing
    status, err = await _reindex(env, "--limit", "1")
    assert status == 0 and "1/4 file:f1: 2 chunks" in err and "run again to resume" in err
    assert len(_embedded(upstream)) == 2 and await _progress(url) == ["file:f1"]

    status, err = await _reindex(env)
    assert status == 0 and "finished" in err and "1 done by an earlier run" in err, err
    assert _embedded(upstream)[2:] == STORED  # only f2; f1 was not embedded again
    assert "4/4 knowledge:kb-boats: 4 chunks" in err
    assert await _progress(url) == []  # a finished run leaves no progress behind

    app = create_app(make_settings(tmp_path, url, **embedding_env(upstream.url)))
    async with app.router.lifespan_context(app):
        ctx = Context(app.state.services)
        found = await search_vectors(ctx, ["kb-boats"], "gear oil outboard engine", k=1)
        assert "fresh gear oil" in found[0].text and found[0].metadata["file_id"] == "f1"
        assert [c.text for c in await search_keywords(ctx, ["file-f2"], "mooring", k=3)] \
            == [STORED[1]]
        assert await search_keywords(ctx, ["file-f3", "kb-boats"], "stale", k=3) == []
