"""Open WebUI's file routes and the documented `/api/files` routes: upload, list, read,
download, text, delete, and who may do each; processing ends completed with chunks."""

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from data.tables import FileChunkRow, FileRow
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (processing embeds: the scripted server)
from tests.support.files import pdf_bytes, upload, wait_processed
from tests.support.server import serving_in_loop

FILE_KEYS = {"id", "user_id", "hash", "filename", "path", "data", "meta", "created_at",
             "updated_at"}


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


@pytest.fixture
async def stranger(accounts, owner):
    return (await accounts.user("stranger@example.com"))["token"]


def uploads_dir(app) -> Path:
    return app.state.services.settings.files.uploads_dir


async def chunk_count(app, file_id: str) -> int:
    async with app.state.services.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(FileChunkRow).where(
            FileChunkRow.file_id == file_id))).scalar_one()


async def test_upload_processes_in_background_and_keeps_open_webui_layout(client, app, owner):
    text = "# Notes\n\n" + "The quick brown fox jumps over the lazy dog. " * 60
    body = await upload(client, owner, "notes.md", text.encode(), "text/markdown")
    assert FILE_KEYS <= set(body) and body["status"] is True
    assert body["path"] is None and body["data"] == {"status": "pending"}
    assert body["meta"]["name"] == "notes.md" and body["meta"]["size"] == len(text)
    assert body["meta"]["content_type"] == "text/markdown"
    stored = uploads_dir(app) / f"{body['id']}_notes.md"
    assert stored.read_bytes() == text.encode()
    done = await wait_processed(client, owner, body["id"])
    assert done["data"]["status"] == "completed" and done["data"]["content"] == text
    assert len(done["hash"]) == 64
    assert await chunk_count(app, body["id"]) == 4  # 2,700 characters at 1000 / 100
    text_route = await client.get(f"/api/v1/files/{body['id']}/data/content",
                                  headers=bearer(owner))
    assert text_route.json() == {"content": text}
    async with app.state.services.sessionmaker() as session:
        row = await session.get(FileRow, body["id"])
        assert row.path == str(stored)  # Open WebUI reads the absolute path from the row
        chunks = (await session.execute(select(FileChunkRow).where(
            FileChunkRow.file_id == body["id"]).order_by(FileChunkRow.chunk_index))).scalars()
        first = next(iter(chunks))
        assert first.meta["file_id"] == body["id"] and first.meta["name"] == "notes.md"
        assert first.meta["Header 1"] == "Notes" and first.meta["start_index"] == 0


async def test_upload_without_processing_stays_unprocessed(client, app, owner):
    body = await upload(client, owner, "raw.txt", b"just bytes", process="false")
    assert "status" not in body and body["data"] == {}
    status = await client.get(f"/api/v1/files/{body['id']}/process/status",
                              headers=bearer(owner))
    assert status.json() == {"status": "pending"}
    assert await chunk_count(app, body["id"]) == 0


async def test_list_pages_search_and_owner_scope(client, owner, stranger, accounts):
    for index in range(3):
        await upload(client, owner, f"report-{index}.txt", b"text", process="false")
    await upload(client, stranger, "other.txt", b"text", process="false")
    mine = (await client.get("/api/v1/files/", headers=bearer(owner))).json()
    assert mine["total"] == 3 and {f["filename"] for f in mine["items"]} == {
        "report-0.txt", "report-1.txt", "report-2.txt"}
    short = (await client.get("/api/files", headers=bearer(owner))).json()
    assert short == mine
    empty_page = (await client.get("/api/v1/files/?page=2", headers=bearer(owner))).json()
    assert empty_page == {"items": [], "total": 3}
    admin = (await client.get("/api/v1/files/", headers=bearer(accounts.admin_token))).json()
    assert admin["total"] == 4
    found = await client.get("/api/v1/files/search?filename=report-1*", headers=bearer(owner))
    assert [f["filename"] for f in found.json()] == ["report-1.txt"]
    none = await client.get("/api/v1/files/search?filename=zzz*", headers=bearer(owner))
    assert none.status_code == 404
    bad_page = await client.get("/api/v1/files/?page=0", headers=bearer(owner))
    assert bad_page.status_code == 422


async def test_content_types_and_dispositions(client, owner):
    pdf = await upload(client, owner, "paper.pdf", pdf_bytes("Hi"), "application/pdf",
                       process="false")
    txt = await upload(client, owner, "plain.txt", b"plain", "text/plain", process="false")
    html = await upload(client, owner, "page.html", b"<script>x</script>", "text/html",
                        process="false")
    named = await upload(client, owner, "résumé.pdf", pdf_bytes("Hi"), "application/pdf",
                         process="false")

    async def get(file_id: str, suffix: str = "/content", **params):
        return await client.get(f"/api/v1/files/{file_id}{suffix}", headers=bearer(owner),
                                params=params)

    response = await get(pdf["id"])
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.content == pdf_bytes("Hi")
    response = await get(txt["id"])
    assert response.text == "plain" and "content-disposition" not in response.headers
    response = await get(txt["id"], attachment="true")
    assert response.headers["content-disposition"].startswith("attachment;")
    response = await get(html["id"])
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    response = await get(named["id"], "/content/whatever.pdf")
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")
    short = await client.get(f"/api/files/{txt['id']}/content", headers=bearer(owner))
    assert short.text == "plain"


async def test_only_owner_admin_and_grantees_reach_a_file(client, app, owner, stranger,
                                                          accounts):
    body = await upload(client, owner, "secret.txt", b"secret", process="false")
    file_id = body["id"]
    for method, path in (("GET", ""), ("GET", "/content"), ("GET", "/data/content"),
                         ("POST", "/data/content/update"), ("DELETE", "")):
        response = await client.request(method, f"/api/v1/files/{file_id}{path}",
                                        headers=bearer(stranger), json={"content": "x"}
                                        if method == "POST" else None)
        assert response.status_code == 404, (method, path, response.text)
    unknown = await client.get("/api/v1/files/no-such-id", headers=bearer(owner))
    assert unknown.status_code == 404
    admin = await client.get(f"/api/files/{file_id}", headers=bearer(accounts.admin_token))
    assert admin.status_code == 200 and admin.json()["filename"] == "secret.txt"
    # A read grant lets the stranger read, not delete.
    from data.repos.access_grants import AccessGrantRepo, Grant
    stranger_id = (await client.get("/api/v1/auths/", headers=bearer(stranger))).json()["id"]
    async with app.state.services.write_sessionmaker() as session:
        await AccessGrantRepo(session).replace("file", file_id, [Grant("user", stranger_id,
                                                                       "read")])
        await session.commit()
    read = await client.get(f"/api/v1/files/{file_id}/content", headers=bearer(stranger))
    assert read.status_code == 200 and read.content == b"secret"
    delete = await client.delete(f"/api/v1/files/{file_id}", headers=bearer(stranger))
    assert delete.status_code == 404
    client.cookies.clear()  # the session route set the stranger's cookie
    anonymous = await client.get(f"/api/v1/files/{file_id}")
    assert anonymous.status_code == 401


async def test_delete_removes_row_bytes_and_chunks(client, app, owner):
    body = await upload(client, owner, "gone.txt", b"some words to chunk")
    await wait_processed(client, owner, body["id"])
    assert await chunk_count(app, body["id"]) == 1
    response = await client.delete(f"/api/files/{body['id']}", headers=bearer(owner))
    assert response.json() == {"message": "File deleted successfully"}
    assert not (uploads_dir(app) / f"{body['id']}_gone.txt").exists()
    assert await chunk_count(app, body["id"]) == 0
    again = await client.get(f"/api/v1/files/{body['id']}", headers=bearer(owner))
    assert again.status_code == 404


async def test_delete_all_is_for_admins(client, app, owner, accounts):
    await upload(client, owner, "a.txt", b"a", process="false")
    refused = await client.delete("/api/v1/files/all", headers=bearer(owner))
    assert refused.status_code == 401
    assert (await client.get("/api/v1/files/", headers=bearer(owner))).json()["total"] == 1
    done = await client.delete("/api/v1/files/all", headers=bearer(accounts.admin_token))
    assert done.status_code == 200
    assert (await client.get("/api/v1/files/", headers=bearer(owner))).json()["total"] == 0
    assert list(uploads_dir(app).iterdir()) == []


async def test_update_text_rechunks(client, app, owner):
    body = await upload(client, owner, "edit.txt", b"first version")
    await wait_processed(client, owner, body["id"])
    new_text = "second version " * 200
    response = await client.post(f"/api/v1/files/{body['id']}/data/content/update",
                                 headers=bearer(owner), json={"content": new_text})
    assert response.status_code == 200 and response.json() == {"content": new_text}
    assert await chunk_count(app, body["id"]) == 4
    bad = await client.post(f"/api/v1/files/{body['id']}/data/content/update",
                            headers=bearer(owner), json={"text": 1})
    assert bad.status_code == 422


async def test_no_response_shows_a_server_path(client, app, owner):
    body = await upload(client, owner, "where.txt", b"here")
    done = await wait_processed(client, owner, body["id"])
    listing = await client.get("/api/v1/files/", headers=bearer(owner))
    root = str(app.state.services.settings.data_dir)
    for payload in (body, done, listing.json()):
        assert root not in json.dumps(payload)


async def test_process_status_streams_to_the_end(client, app, owner, stranger):
    """Over a real server: the ASGI test transport would wait for the whole body."""
    body = await upload(client, owner, "streamed.txt", b"words", process="false")
    path = f"/api/v1/files/{body['id']}/process/status?stream=true"
    seen = []
    async with serving_in_loop(app) as base, httpx.AsyncClient(base_url=base,
                                                                timeout=20) as live:
        async with live.stream("GET", path, headers=bearer(owner)) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                seen.append(json.loads(line[6:]))
                if len(seen) == 1:  # the status now; the stream follows from here
                    again = await live.post("/api/v1/retrieval/process/file",
                                            headers=bearer(owner), json={"file_id": body["id"]})
                    assert again.status_code == 200, again.text
        refused = await live.get(path, headers=bearer(stranger))
        assert refused.status_code == 404
    assert seen == [{"status": "pending"}, {"status": "pending"}, {"status": "processing"},
                    {"status": "completed"}]
