"""Image generation over Open WebUI's `/api/v1/images/*` and the documented
`POST /api/images/generate`, against a scripted engine speaking AUTOMATIC1111's, OpenAI's
and ComfyUI's formats (ComfyUI's WebSocket included), on SQLite and PostgreSQL. Images
are the caller's files (the files routes show them); nothing is left after a failure."""

import base64

import pytest
from sqlalchemy import select

from data.tables import ChatFileRow, FileRow
from tests.conftest import bearer
from tests.support.image_engines import PNG, ScriptedImageEngine

A1111_AUTH = "painter:s3cret-pass"
OPENAI_KEY = "sk-images-secret-0123456789"
COMFY_KEY = "comfy-secret-key-0123"


@pytest.fixture
async def engine():
    async with ScriptedImageEngine() as scripted:
        yield scripted


IMAGES_ENV = {"ENABLE_IMAGE_GENERATION": "true", "IMAGE_GENERATION_TIMEOUT": "2",
              "IMAGE_GENERATION_MAX_MB": "5"}


@pytest.fixture
def env_overrides():
    return dict(IMAGES_ENV)


async def configure(client, admin, **changes):
    answer = await client.post("/api/v1/images/config/update", headers=admin, json=changes)
    assert answer.status_code == 200, answer.text
    return answer.json()


ENGINES = {
    "automatic1111": lambda url: {"IMAGE_GENERATION_ENGINE": "automatic1111",
                                  "AUTOMATIC1111_BASE_URL": url,
                                  "AUTOMATIC1111_API_AUTH": A1111_AUTH},
    "openai": lambda url: {"IMAGE_GENERATION_ENGINE": "openai",
                           "IMAGES_OPENAI_API_BASE_URL": f"{url}/v1",
                           "IMAGES_OPENAI_API_KEY": OPENAI_KEY,
                           "IMAGE_GENERATION_MODEL": "dall-e-2"},
    "comfyui": lambda url: {"IMAGE_GENERATION_ENGINE": "comfyui", "COMFYUI_BASE_URL": url,
                            "COMFYUI_API_KEY": COMFY_KEY},
}


@pytest.fixture
async def people(client, accounts):
    await accounts.admin()
    user = await accounts.user("una@example.com")
    return bearer(accounts.admin_token), bearer(user["token"])


async def stored(app) -> list[FileRow]:
    async with app.state.services.sessionmaker() as session:
        return list((await session.execute(select(FileRow))).scalars())


def uploads_left(settings) -> list:
    return sorted(p.name for p in settings.files.uploads_dir.iterdir())


@pytest.mark.parametrize("route", ["/api/v1/images/generations", "/api/images/generate"])
@pytest.mark.parametrize("name", ENGINES)
async def test_each_engine_makes_files_the_files_routes_show(client, people, engine, name,
                                                             route):
    admin, user = people
    await configure(client, admin, **ENGINES[name](engine.url))
    answer = await client.post(route, headers=user, json={
        "prompt": "a lighthouse at dawn", "n": 2, "size": "512x512"})
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert len(made) == 2 and all(m["content_type"] == "image/png" for m in made)
    assert made[0]["url"] == f"/api/v1/files/{made[0]['id']}/content"
    listed = (await client.get("/api/v1/files/", headers=user)).json()["items"]
    assert {f["id"] for f in listed} == {m["id"] for m in made}
    content = await client.get(made[1]["url"], headers=user)
    assert content.status_code == 200 and content.content.startswith(PNG)
    assert content.content != (await client.get(made[0]["url"], headers=user)).content
    for made_file in made:  # never base64 in a row: the bytes are in the uploads folder
        row = (await client.get(f"/api/v1/files/{made_file['id']}", headers=user)).json()
        assert row["meta"]["data"]["prompt"] == "a lighthouse at dawn"
        assert "base64" not in str(row) and PNG.decode("latin-1") not in str(row)


async def test_automatic1111_request_shape(client, people, engine):
    admin, user = people
    await configure(client, admin, **ENGINES["automatic1111"](engine.url),
                    AUTOMATIC1111_PARAMS={"cfg_scale": 7})
    answer = await client.post("/api/v1/images/generations", headers=user, json={
        "prompt": "a cat", "n": 1, "size": "640x448", "steps": 12,
        "negative_prompt": "blurry", "model": "v1-5-pruned.safetensors [6ce0161689]"})
    assert answer.status_code == 200, answer.text
    sent = engine.last("/sdapi/v1/txt2img")
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(
        A1111_AUTH.encode()).decode()
    assert sent.body == {"prompt": "a cat", "batch_size": 1, "width": 640, "height": 448,
                         "steps": 12, "cfg_scale": 7, "negative_prompt": "blurry",
                         "override_settings": {
                             "sd_model_checkpoint": "v1-5-pruned.safetensors [6ce0161689]"}}


async def test_openai_b64_and_url_answers(client, people, engine):
    admin, user = people
    await configure(client, admin, **ENGINES["openai"](engine.url))
    answer = await client.post("/api/v1/images/generations", headers=user, json={
        "prompt": "a fox", "model": "ignored-for-openai"})
    assert answer.status_code == 200, answer.text
    sent = engine.last("/v1/images/generations")
    assert sent.headers["Authorization"] == f"Bearer {OPENAI_KEY}"
    assert sent.body == {"model": "dall-e-2", "prompt": "a fox", "n": 1, "size": "512x512",
                         "response_format": "b64_json"}

    engine.knobs.urls = True
    await configure(client, admin, IMAGE_GENERATION_MODEL="gpt-image-1", IMAGE_SIZE="auto")
    answer = await client.post("/api/v1/images/generations", headers=user,
                               json={"prompt": "a fox"})
    assert answer.status_code == 200, answer.text
    assert "response_format" not in engine.last("/v1/images/generations").body
    fetched = engine.last("/v1/files/img-0.png")  # same origin as the engine: key sent
    assert fetched.headers["Authorization"] == f"Bearer {OPENAI_KEY}"
    content = await client.get(answer.json()[0]["url"], headers=user)
    assert content.content.startswith(PNG)


async def test_comfyui_workflow_is_patched_queued_and_followed(client, people, engine):
    admin, user = people
    await configure(client, admin, **ENGINES["comfyui"](engine.url), IMAGE_STEPS=9)
    answer = await client.post("/api/images/generate", headers=user, json={
        "prompt": "a red boat", "n": 3, "size": "768x512", "negative_prompt": "fog"})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()) == 3
    queued = engine.last("/prompt")
    assert queued.headers["Authorization"] == f"Bearer {COMFY_KEY}"
    graph = queued.body["prompt"]
    assert graph["6"]["inputs"]["text"] == "a red boat"
    assert graph["7"]["inputs"]["text"] == "fog"
    assert graph["5"]["inputs"] == {"batch_size": 3, "height": 512, "width": 768}
    assert graph["3"]["inputs"]["steps"] == 9
    assert isinstance(graph["3"]["inputs"]["seed"], int)
    assert graph["4"]["inputs"]["ckpt_name"] == "model.safetensors"  # the workflow's own
    socket = engine.last("/ws")
    assert socket.path == f"/ws?clientId={queued.body['client_id']}"
    assert socket.headers["Authorization"] == f"Bearer {COMFY_KEY}"
    assert engine.last("/view").path.startswith("/view?filename=ComfyUI_")


async def test_comfyui_node_mapping_and_fixed_values(client, people, engine):
    admin, user = people
    workflow = {"1": {"class_type": "CLIPTextEncode", "inputs": {"text": ""}},
                "2": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 1, "cfg": 1}},
                "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1}},
                "9": {"class_type": "SaveImage", "inputs": {}}}
    nodes = [{"type": "prompt", "key": "text", "node_ids": ["1"]},
             {"type": "n", "node_ids": ["5"]}, {"type": "steps", "node_ids": ["2"]},
             {"key": "cfg", "value": 4.5, "node_ids": ["2"]}]
    import json
    await configure(client, admin, **ENGINES["comfyui"](engine.url),
                    COMFYUI_WORKFLOW=json.dumps(workflow), COMFYUI_WORKFLOW_NODES=nodes)
    answer = await client.post("/api/images/generate", headers=user, json={
        "prompt": "dunes", "n": 2, "steps": 4})
    assert answer.status_code == 200, answer.text
    graph = engine.last("/prompt").body["prompt"]
    assert graph["1"]["inputs"] == {"text": "dunes"}
    assert graph["2"]["inputs"] == {"seed": 1, "steps": 4, "cfg": 4.5}
    assert graph["5"]["inputs"] == {"batch_size": 2}


async def test_an_image_for_a_chat_message_is_linked_to_it(client, people, engine, app):
    admin, user = people
    await configure(client, admin, **ENGINES["automatic1111"](engine.url))
    chat = (await client.post("/api/v1/chats/new", headers=user,
                              json={"chat": {"title": "Boats"}})).json()
    answer = await client.post("/api/v1/images/generations", headers=user, json={
        "prompt": "boat", "chat_id": chat["id"], "message_id": "msg-1"})
    assert answer.status_code == 200, answer.text
    async with app.state.services.sessionmaker() as session:
        links = (await session.execute(select(ChatFileRow))).scalars().all()
    assert [(link.chat_id, link.message_id, link.file_id) for link in links] == [
        (chat["id"], "msg-1", answer.json()[0]["id"])]
    others = await client.post("/api/v1/images/generations", headers=admin, json={
        "prompt": "boat", "chat_id": chat["id"]})  # not the admin's chat
    assert others.status_code in (403, 404)
    missing = await client.post("/api/v1/images/generations", headers=user, json={
        "prompt": "boat", "chat_id": "no-such-chat"})
    assert missing.status_code == 404
    assert len(await stored(app)) == 1
