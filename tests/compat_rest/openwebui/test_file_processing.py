"""Processing faults end with the file marked failed and the reason, no chunks kept,
and processing can be retried: binary content named .txt, broken and encrypted PDFs, a
DOCX zip bomb, a server stopped mid-processing; and the kinds we read, a 50 MB line,
and duplicate uploads."""

import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select, text

from asgi import create_app
from data.tables import FileChunkRow, FileRow
from data.vectors import Item
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (processing embeds: the scripted server)
from tests.support.embeddings import DIMS, embedding_env
from tests.support.files import (
    broken_pdf_bytes,
    docx_bomb_bytes,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    upload,
    wait_processed,
)

JAPANESE = ("日本語のテキストファイルです。"
            "これはテストのための文章で、文字コードの判定を確認します。")


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


async def chunk_count(app, file_id: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(FileChunkRow).where(
            FileChunkRow.file_id == file_id))).scalar_one()


async def processed(client, token, name, content, content_type) -> dict:
    body = await upload(client, token, name, content, content_type)
    return await wait_processed(client, token, body["id"])


@pytest.mark.parametrize("name, content, content_type, expected", [
    ("doc.pdf", pdf_bytes("Quarterly revenue grew"), "application/pdf",
     "Quarterly revenue grew"),
    ("doc.docx", docx_bytes("First paragraph", "Second one"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "First paragraph\nSecond one"),
    ("page.html", b"<html><head><style>p{}</style><script>alert(1)</script></head>"
                  b"<body><h1>Title</h1><p>Body text</p></body></html>", "text/html",
     "Title\nBody text"),
    ("data.json", b'{"answer": 42}', "application/json", '{"answer": 42}'),
    ("table.csv", b"name,qty\napple,3\n", "text/csv", "name,qty\napple,3\n"),
    ("sjis.txt", JAPANESE.encode("shift_jis"), "text/plain", JAPANESE),
    ("utf16.txt", JAPANESE.encode("utf-16"), "text/plain", JAPANESE),
])
async def test_kinds_we_read(client, app, owner, name, content, content_type, expected):
    done = await processed(client, owner, name, content, content_type)
    assert done["data"]["status"] == "completed", done["data"]
    assert done["data"]["content"] == expected
    assert await chunk_count(app, done["id"]) == 1


@pytest.mark.parametrize("name, content, content_type, reason", [
    ("binary.txt", bytes(range(256)) * 64, "text/plain", "binary data"),
    ("blank.txt", b"   \n\n  ", "text/plain", "no text"),
    ("broken.pdf", pdf_bytes("x")[:120], "application/pdf", "damaged"),
    ("garbage.pdf", b"%PDF-1.4 not really", "application/pdf", "damaged"),
    ("locked.pdf", encrypted_pdf_bytes("secret words"), "application/pdf", "encrypted"),
    ("notzip.docx", b"PK\x03\x04 broken", "application/octet-stream", "not a valid"),
    ("bad.json", b'{"open": ', "application/json", "not valid JSON"),
    ("halved.pdf", broken_pdf_bytes("cut off"), "application/pdf", "damaged"),
])
async def test_faults_end_failed_with_the_reason(client, app, owner, name, content,
                                                 content_type, reason):
    done = await processed(client, owner, name, content, content_type)
    assert done["data"]["status"] == "failed"
    assert reason in done["data"]["error"]
    assert await chunk_count(app, done["id"]) == 0
    assert await vector_count(app, done["id"]) == 0
    status = await client.get(f"/api/v1/files/{done['id']}/process/status",
                              headers=bearer(owner))
    assert status.json() == {"status": "failed", "error": done["data"]["error"]}
    # Retry works once the stored bytes are readable.
    uploads = app.state.services.settings.files.uploads_dir
    (uploads / f"{done['id']}_{name}").write_bytes(READABLE[name.rsplit(".", 1)[1]])
    again = await client.post("/api/v1/retrieval/process/file", headers=bearer(owner),
                              json={"file_id": done["id"]})
    assert again.status_code == 200, again.text
    assert "fixed words" in again.json()["content"]
    assert await vector_count(app, done["id"]) == await chunk_count(app, done["id"]) == 1


READABLE = {"txt": b"fixed words", "pdf": pdf_bytes("fixed words"),
            "docx": docx_bytes("fixed words"), "json": b'{"fixed words": 1}'}


async def vector_count(app, file_id: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(text(
            "SELECT count(*) FROM parley_vector_chunk WHERE collection = :c"),
            {"c": f"file-{file_id}"})).scalar_one()


async def test_docx_zip_bomb_is_refused_unread(client, app, owner):
    bomb = docx_bomb_bytes(300)
    assert len(bomb) < 2 * 1024**2
    started = time.monotonic()
    done = await processed(client, owner, "bomb.docx", bomb, "application/octet-stream")
    assert done["data"]["status"] == "failed" and "expands to" in done["data"]["error"]
    assert time.monotonic() - started < 10
    assert await chunk_count(app, done["id"]) == 0
    assert await vector_count(app, done["id"]) == 0


class TestFiftyMegabyteLine:
    @pytest.fixture
    def env_overrides(self, upstream) -> dict[str, str]:
        # 256 texts per request, as a deployment ingesting large files would batch them.
        return {**embedding_env(upstream.url), "RAG_EMBEDDING_BATCH_SIZE": "256",
                "RAG_EMBEDDING_TIMEOUT": "30"}

    async def test_is_chunked_and_embedded_in_bounded_windows(self, client, app, owner,
                                                              upstream):
        upstream.vectorize = None  # vectors by position: the server's time is not measured
        words = b"lorem ipsum dolor sit amet consectetur "
        line = (words * (50 * 1024**2 // len(words) + 1))[:50 * 1024**2]
        started = time.monotonic()
        body = await upload(client, owner, "long.txt", line)
        assert time.monotonic() - started < 20  # the upload answers before any processing
        done = await wait_processed(client, owner, body["id"], seconds=300)
        assert done["data"]["status"] == "completed", done["data"]
        assert len(done["data"]["content"]) == 50 * 1024**2
        chunks = await chunk_count(app, body["id"])
        assert 50 * 1024**2 / 1000 < chunks < 50 * 1024**2 / 850
        sizes = [len(r.body["input"]) for r in upstream.requests if r.path == "/api/embed"]
        assert sum(sizes) == chunks and max(sizes) == 256
        async with app.state.services.sessionmaker() as session:
            vectors = (await session.execute(text(
                "SELECT count(*) FROM parley_vector_chunk WHERE collection = :c"),
                {"c": f"file-{body['id']}"})).scalar_one()
        assert vectors == chunks


async def test_duplicate_uploads_are_two_files(client, app, owner):
    first = await processed(client, owner, "same.txt", b"identical words", "text/plain")
    second = await processed(client, owner, "same.txt", b"identical words", "text/plain")
    assert first["id"] != second["id"] and first["hash"] == second["hash"]
    assert first["meta"]["file_hash"] == second["meta"]["file_hash"]
    assert await chunk_count(app, first["id"]) == await chunk_count(app, second["id"]) == 1
    deleted = await client.delete(f"/api/v1/files/{first['id']}", headers=bearer(owner))
    assert deleted.status_code == 200
    kept = await client.get(f"/api/v1/files/{second['id']}/content", headers=bearer(owner))
    assert kept.content == b"identical words"


async def test_a_file_left_processing_is_failed_at_start_up(app, settings, client, owner):
    """A server stopped mid-processing left rows pending and processing (written as the
    stopped server would have); the next start marks them failed with the reason."""
    user_id = (await client.get("/api/v1/auths/", headers=bearer(owner))).json()["id"]
    uploads = settings.files.uploads_dir
    ids = [str(uuid.uuid4()) for _ in range(2)]
    async with app.state.services.write_sessionmaker() as session:
        for file_id, status in zip(ids, ("processing", "pending"), strict=True):
            path = uploads / f"{file_id}_left.txt"
            path.write_text("left behind")
            session.add(FileRow(id=file_id, user_id=user_id, filename="left.txt",
                                path=str(path), data={"status": status},
                                meta={"name": "left.txt", "content_type": "text/plain"},
                                created_at=1, updated_at=1))
            session.add(FileChunkRow(id=str(uuid.uuid4()), file_id=file_id, chunk_index=0,
                                     text="half", meta={}, created_at=1))
        await session.commit()
    for file_id in ids:  # and vectors, of this text or an older one
        await app.state.services.vectors.upsert(f"file-{file_id}", [
            Item("", "half", [1.0] * DIMS, {"file_id": file_id})])
    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        async with restarted.state.services.sessionmaker() as session:
            rows = [await session.get(FileRow, file_id) for file_id in ids]
        assert [row.data["status"] for row in rows] == ["failed", "failed"]
        assert all("server stopped" in row.data["error"] for row in rows)
        assert [await chunk_count(restarted, file_id) for file_id in ids] == [0, 0]
        assert [await vector_count(restarted, file_id) for file_id in ids] == [0, 0]
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://p.test") as again:
            retried = await again.post("/api/v1/retrieval/process/file",
                                       headers=bearer(owner), json={"file_id": ids[0]})
        assert retried.status_code == 200 and retried.json()["content"] == "left behind"
        assert await vector_count(restarted, ids[0]) == 1


async def test_a_failed_file_is_processed_again(client, app, owner):
    """Open WebUI's process/file route: a failure is a 400 with the reason; once the
    bytes are readable, processing again completes."""
    done = await processed(client, owner, "fixme.txt", b"\x00\x01binary", "text/plain")
    assert done["data"]["status"] == "failed"
    route = "/api/v1/retrieval/process/file"
    again = await client.post(route, headers=bearer(owner), json={"file_id": done["id"]})
    assert again.status_code == 400 and "binary data" in again.json()["detail"]
    uploads = app.state.services.settings.files.uploads_dir
    (uploads / f"{done['id']}_fixme.txt").write_bytes(b"readable now")
    fixed = await client.post(route, headers=bearer(owner), json={"file_id": done["id"]})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json() == {"status": True, "collection_name": f"file-{done['id']}",
                            "filename": "fixme.txt", "content": "readable now"}
    assert await chunk_count(app, done["id"]) == 1
    replaced = await client.post(route, headers=bearer(owner),
                                 json={"file_id": done["id"], "content": "given text"})
    assert replaced.json()["content"] == "given text"
    unknown = await client.post(route, headers=bearer(owner), json={"file_id": "nope"})
    assert unknown.status_code == 404
    bad = await client.post(route, headers=bearer(owner), json={})
    assert bad.status_code == 422
