"""A server stopped while a file is being embedded: the app's own stop (what SIGTERM
runs) cuts the work short while the embedding server has not answered; the next start
on the same database and uploads folder marks the file failed with the reason, keeps
none of its vectors, and processing it again completes. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import text

from asgi import create_app
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, embedding_env
from tests.support.waiting import eventually


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return {**embedding_env(upstream.url), "RAG_EMBEDDING_TIMEOUT": "600"}


@asynccontextmanager
async def running(settings) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as c:
            yield app, c


async def vector_count(app, collection: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(text(
            "SELECT count(*) FROM parley_vector_chunk WHERE collection = :c"),
            {"c": collection})).scalar_one()


async def test_a_server_stopped_mid_ingest(settings, upstream):
    upstream.script(MODEL, dims=DIMS, hang_before_headers=True)
    async with running(settings) as (app, client):
        signup = await client.post("/api/v1/auths/signup", json={
            "name": "Ada", "email": "ada@example.com", "password": "pw-123456"})
        headers = {"Authorization": f"Bearer {signup.json()['token']}"}
        uploaded = await client.post("/api/v1/files/", headers=headers, files={
            "file": ("notes.txt", b"words worth embedding", "text/plain")})
        file_id = uploaded.json()["id"]

        async def embedding() -> bool:
            return any(r.path == "/api/embed" for r in upstream.requests)
        await eventually(embedding, 30)
        status = await client.get(f"/api/v1/files/{file_id}/process/status", headers=headers)
        assert status.json() == {"status": "processing"}
    upstream.script(MODEL, dims=DIMS)  # the embedding server is back
    async with running(settings) as (app, client):
        file = (await client.get(f"/api/v1/files/{file_id}", headers=headers)).json()
        assert file["data"]["status"] == "failed"
        assert "server stopped" in file["data"]["error"]
        assert await vector_count(app, f"file-{file_id}") == 0
        again = await client.post("/api/v1/retrieval/process/file", headers=headers,
                                  json={"file_id": file_id})
        assert again.status_code == 200, again.text
        assert again.json()["collection_name"] == f"file-{file_id}"
        assert await vector_count(app, f"file-{file_id}") == 1
