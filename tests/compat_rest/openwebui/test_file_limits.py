"""Upload limits: size (413 while the body arrives, nothing stored), allowed extensions,
empty files, bodies that are not uploads, and names with path tricks."""

import json

import pytest
from sqlalchemy import func, select

from data.tables import FileRow
from tests.conftest import bearer
from tests.support.embeddings import *  # noqa: F403 (processing embeds: the scripted server)
from tests.support.embeddings import embedding_env
from tests.support.files import upload, wait_processed


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return {**embedding_env(upstream.url), "RAG_FILE_MAX_SIZE": "1",
            "RAG_ALLOWED_FILE_EXTENSIONS": "txt, .md"}


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


async def nothing_stored(app) -> bool:
    async with app.state.services.sessionmaker() as session:
        rows = (await session.execute(select(func.count()).select_from(FileRow))).scalar_one()
    return rows == 0 and list(app.state.services.settings.files.uploads_dir.iterdir()) == []


async def test_over_the_limit_is_413_and_nothing_is_kept(client, app, owner):
    big = b"a" * (1024 * 1024 + 1)
    response = await client.post("/api/v1/files/", headers=bearer(owner),
                                 files={"file": ("big.txt", big, "text/plain")})
    assert response.status_code == 413
    assert "less than 1MB" in response.json()["detail"]
    # Without a length up front: refused while the body streams in, past limit + framing.
    async def chunks():
        boundary = b"--b0undary\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="s.txt"\r\n\r\n'
        for _ in range(40):
            yield b"x" * (64 * 1024)
        yield b"\r\n--b0undary--\r\n"
    streamed = await client.post("/api/v1/files/", content=chunks(), headers={
        **bearer(owner), "Content-Type": "multipart/form-data; boundary=b0undary"})
    assert streamed.status_code == 413
    assert await nothing_stored(app)


async def test_empty_file_is_400(client, app, owner):
    response = await client.post("/api/v1/files/", headers=bearer(owner),
                                 files={"file": ("empty.txt", b"", "text/plain")})
    assert response.status_code == 400 and response.json()["detail"] == "The file is empty."
    assert await nothing_stored(app)


async def test_extension_not_allowed_when_processing(client, app, owner):
    response = await client.post("/api/v1/files/", headers=bearer(owner),
                                 files={"file": ("run.exe", b"MZ", "application/octet-stream")})
    assert response.status_code == 400
    assert response.json()["detail"] == "[ERROR: File type exe is not allowed]"
    assert await nothing_stored(app)
    kept = await upload(client, owner, "run.exe", b"MZ", "application/octet-stream",
                        process="false")  # as in Open WebUI, the list limits processing
    assert kept["filename"] == "run.exe"
    allowed = await upload(client, owner, "notes.MD", b"# Fine")
    assert (await wait_processed(client, owner, allowed["id"]))["data"]["status"] == "completed"


async def test_bodies_that_are_not_uploads(client, app, owner):
    as_json = await client.post("/api/v1/files/", headers=bearer(owner), json={"file": "x"})
    assert as_json.status_code == 400 and "multipart/form-data" in as_json.json()["detail"]
    as_text = await client.post("/api/v1/files/", headers={
        **bearer(owner), "Content-Type": "text/plain"}, content=b"x")
    assert as_text.status_code == 415
    no_file = await client.post("/api/v1/files/", headers=bearer(owner),
                                data={"metadata": "{}"}, files={"other": ("a.txt", b"a")})
    assert no_file.status_code == 400 and "`file`" in no_file.json()["detail"]
    bad_metadata = await client.post("/api/v1/files/", headers=bearer(owner),
                                     data={"metadata": "{not json"},
                                     files={"file": ("a.txt", b"a", "text/plain")})
    assert bad_metadata.status_code == 400
    assert bad_metadata.json()["detail"] == "Invalid metadata format"
    broken = await client.post("/api/v1/files/", headers={
        **bearer(owner), "Content-Type": "multipart/form-data"}, content=b"--x\r\n")
    assert broken.status_code == 400
    anonymous = await client.post("/api/v1/files/", files={"file": ("a.txt", b"a")})
    assert anonymous.status_code == 401
    assert await nothing_stored(app)
    with_metadata = await client.post("/api/v1/files/?process=false", headers=bearer(owner),
                                      data={"metadata": '{"source": "notes"}'},
                                      files={"file": ("m.txt", b"m", "text/plain")})
    assert with_metadata.json()["meta"]["data"] == {"source": "notes"}


@pytest.mark.parametrize("name, stored", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("/absolute/path/x.txt", "x.txt"),
    ("C:\\Users\\me\\win.txt", "win.txt"),
    ("nul\x00byte.txt", "nulbyte.txt"),
    ("tab\tand\x1bescape.txt", "tab_and_escape.txt"),
    ("..", "file"),
    (".hidden.txt", "hidden.txt"),
    ("e\u0301t\u00e9.txt", "\u00e9t\u00e9.txt"),
])
async def test_names_with_path_tricks_become_safe(client, app, owner, name, stored):
    # Sent raw: httpx would percent-encode the control characters of a name.
    head = (b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="'
            + name.encode() + b'"\r\nContent-Type: text/plain\r\n\r\n')
    response = await client.post("/api/v1/files/?process=false", headers={
        **bearer(owner), "Content-Type": "multipart/form-data; boundary=b0undary"},
        content=head + b"content\r\n--b0undary--\r\n")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filename"] == stored and body["meta"]["name"] == stored
    uploads = app.state.services.settings.files.uploads_dir
    assert [p.name for p in uploads.iterdir()] == [f"{body['id']}_{stored}"]
    download = await client.get(f"/api/v1/files/{body['id']}/content", headers=bearer(owner))
    assert download.content == b"content"
    assert str(uploads) not in json.dumps(body)
