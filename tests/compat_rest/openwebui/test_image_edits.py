"""Open WebUI's `POST /api/v1/images/edit` on SQLite and PostgreSQL: source images
named by file id, files URL or data URL go to OpenAI's `/images/edits` (a multipart
form) or AUTOMATIC1111's `/sdapi/v1/img2img`; results are the caller's files. Sources
that are not images, not the caller's, or on the web are refused before the engine."""

import base64

import pytest

from tests.compat_rest.openwebui.test_images import (
    ENGINES,
    OPENAI_KEY,
    configure,
    stored,
)
from tests.compat_rest.openwebui.test_images import engine as engine  # noqa: F401
from tests.compat_rest.openwebui.test_images import env_overrides as env_overrides  # noqa: F401
from tests.compat_rest.openwebui.test_images import people as people  # noqa: F401
from tests.support.image_engines import PNG, png

EDIT = "/api/v1/images/edit"


async def upload(client, headers, name: str, data: bytes) -> str:
    answer = await client.post("/api/v1/files/?process=false", headers=headers,
                               files={"file": (name, data, "image/png")})
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


async def test_openai_edit_sends_the_sources_as_a_multipart_form(client, people, engine):
    admin, user = people
    await configure(client, admin, **ENGINES["openai"](engine.url), ENABLE_IMAGE_EDIT=True,
                    IMAGE_EDIT_MODEL="gpt-image-1", IMAGE_EDIT_SIZE="1024x1024")
    file_id = await upload(client, user, "cat.png", png(7))
    data_url = "data:image/png;base64," + base64.b64encode(png(8)).decode()
    answer = await client.post(EDIT, headers=user, json={
        "image": [file_id, data_url, f"/api/v1/files/{file_id}/content"],
        "prompt": "add a hat", "n": 2})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()) == 2
    sent = engine.last("/v1/images/edits")
    assert sent.headers["Authorization"] == f"Bearer {OPENAI_KEY}"
    assert sent.body["prompt"] == ["add a hat"] and sent.body["model"] == ["gpt-image-1"]
    assert sent.body["size"] == ["1024x1024"] and "response_format" not in sent.body
    assert [f[2] for f in sent.body["image[]"]] == [png(7), png(8), png(7)]
    content = await client.get(answer.json()[0]["url"], headers=user)
    assert content.content.startswith(PNG)


async def test_automatic1111_edit_is_img2img(client, people, engine):
    admin, user = people
    await configure(client, admin, **ENGINES["automatic1111"](engine.url),
                    ENABLE_IMAGE_EDIT=True, IMAGE_EDIT_ENGINE="automatic1111")
    file_id = await upload(client, user, "cat.png", png(3))
    answer = await client.post(EDIT, headers=user, json={"image": file_id, "prompt": "snow"})
    assert answer.status_code == 200, answer.text
    sent = engine.last("/sdapi/v1/img2img").body
    assert sent["init_images"] == [base64.b64encode(png(3)).decode()]
    assert sent["prompt"] == "snow" and sent["width"] == 512


@pytest.mark.parametrize("image, status, words", [
    ("https://example.com/cat.png", 400, "not fetched"),
    ("data:image/png;base64,bm90IGFuIGltYWdl", 400, "not an image"),
    ("no-such-file", 404, "no-such-file"),
    ([], 400, "Name 1 to 4"),
    (["a"] * 5, 400, "Name 1 to 4"),
])
async def test_bad_sources_are_refused_before_the_engine(client, people, engine, app, image,
                                                         status, words):
    admin, user = people
    await configure(client, admin, **ENGINES["openai"](engine.url), ENABLE_IMAGE_EDIT=True)
    answer = await client.post(EDIT, headers=user, json={"image": image, "prompt": "x"})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert engine.requests == []


async def test_sources_must_be_readable_images_and_editing_switched_on(
        client, people, engine, app, accounts):
    admin, user = people
    await configure(client, admin, **ENGINES["openai"](engine.url))
    others = await upload(client, admin, "mine.png", png(1))
    text = await upload(client, user, "notes.png", b"just some text")
    refused = await client.post(EDIT, headers=user, json={"image": text, "prompt": "x"})
    assert refused.status_code == 403  # switched off
    await configure(client, admin, ENABLE_IMAGE_EDIT=True)
    answer = await client.post(EDIT, headers=user, json={"image": others, "prompt": "x"})
    assert answer.status_code == 404
    answer = await client.post(EDIT, headers=user, json={"image": text, "prompt": "x"})
    assert answer.status_code == 400 and "not an image" in answer.json()["detail"]
    engine.knobs.status = 400
    answer = await client.post(EDIT, headers=admin, json={"image": others, "prompt": "x"})
    assert answer.status_code == 400 and answer.json()["detail"].startswith("[ERROR: ")
    assert engine.requests and len(await stored(app)) == 2  # the two uploads only
