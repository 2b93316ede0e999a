"""Where bytes are read from: an adopted database's paths under its old uploads folder
(UPLOAD_DIR_FORMERLY) are read from UPLOAD_DIR; a stored path outside the uploads folder
is never read; multipart bodies pass the request edge only on the upload routes."""

import uuid

import pytest

from data.tables import FileRow
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (processing embeds: the scripted server)
from tests.support.embeddings import embedding_env


@pytest.fixture
def env_overrides(tmp_path, upstream) -> dict[str, str]:
    return {**embedding_env(upstream.url), "UPLOAD_DIR": str(tmp_path / "moved-uploads"),
            "UPLOAD_DIR_FORMERLY": "/app/backend/data/uploads"}


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return await accounts.user("owner@example.com")


async def add_row(app, user_id: str, path: str, name: str = "old.txt") -> str:
    file_id = str(uuid.uuid4())
    async with app.state.services.write_sessionmaker() as session:
        session.add(FileRow(id=file_id, user_id=user_id, filename=name, path=path,
                            data={"status": "completed", "content": "old"},
                            meta={"name": name, "content_type": "text/plain"},
                            created_at=1, updated_at=1))
        await session.commit()
    return file_id


async def test_adopted_paths_are_read_from_the_new_folder(client, app, owner, tmp_path):
    uploads = app.state.services.settings.files.uploads_dir
    assert uploads == (tmp_path / "moved-uploads").resolve()
    file_id = str(uuid.uuid4())
    (uploads / f"{file_id}_old.txt").write_bytes(b"moved bytes")
    async with app.state.services.write_sessionmaker() as session:
        session.add(FileRow(id=file_id, user_id=owner["id"], filename="old.txt",
                            path=f"/app/backend/data/uploads/{file_id}_old.txt",
                            data={}, meta={"name": "old.txt", "content_type": "text/plain"},
                            created_at=1, updated_at=1))
        await session.commit()
    response = await client.get(f"/api/v1/files/{file_id}/content",
                                headers=bearer(owner["token"]))
    assert response.status_code == 200 and response.content == b"moved bytes"
    fresh = await client.post("/api/v1/files/?process=false", headers=bearer(owner["token"]),
                              files={"file": ("new.txt", b"new", "text/plain")})
    assert (uploads / f"{fresh.json()['id']}_new.txt").read_bytes() == b"new"


@pytest.mark.parametrize("stored", [
    "/etc/passwd",
    "/app/backend/data/uploads/../../../../etc/passwd",
    "{uploads}/../outside.txt",
    "s3://bucket/key.txt",
    "",
])
async def test_stored_paths_outside_the_folder_are_never_read(client, app, owner, tmp_path,
                                                              stored):
    uploads = app.state.services.settings.files.uploads_dir
    (uploads.parent / "outside.txt").write_text("outside")
    file_id = await add_row(app, owner["id"], stored.format(uploads=uploads))
    response = await client.get(f"/api/v1/files/{file_id}/content",
                                headers=bearer(owner["token"]))
    assert response.status_code == 404
    deleted = await client.delete(f"/api/v1/files/{file_id}", headers=bearer(owner["token"]))
    assert deleted.status_code == 200
    assert (uploads.parent / "outside.txt").exists()


async def test_a_link_out_of_the_folder_is_not_followed(client, app, owner):
    uploads = app.state.services.settings.files.uploads_dir
    (uploads.parent / "target.txt").write_text("outside")
    link = uploads / "link.txt"
    link.symlink_to(uploads.parent / "target.txt")
    file_id = await add_row(app, owner["id"], str(link))
    response = await client.get(f"/api/v1/files/{file_id}/content",
                                headers=bearer(owner["token"]))
    assert response.status_code == 404


async def test_multipart_passes_the_edge_only_where_files_are_uploaded(client, owner):
    response = await client.post("/api/v1/chats/new", headers=bearer(owner["token"]),
                                 files={"file": ("a.txt", b"a", "text/plain")})
    assert response.status_code == 415
    response = await client.post("/api/v1/files/x", headers=bearer(owner["token"]),
                                 files={"file": ("a.txt", b"a", "text/plain")})
    assert response.status_code == 415


async def test_a_cross_site_upload_with_the_cookie_is_refused(client, app, owner):
    client.cookies.set("token", owner["token"])
    try:
        response = await client.post("/api/v1/files/", headers={
            "Origin": "https://elsewhere.example"},
            files={"file": ("a.txt", b"a", "text/plain")})
    finally:
        client.cookies.clear()
    assert response.status_code == 403
    assert list(app.state.services.settings.files.uploads_dir.iterdir()) == []
