"""`/ollama/api/show` and `/ollama/api/ps` through the official `ollama` client, and a
model name without a tag meaning its `:latest`, as Ollama itself reads it."""

import ollama
import pytest

from tests.conftest import bearer
from tests.support.ai import UPSTREAM_KEY
from tests.support.server import free_port
from tests.support.upstream import ScriptedUpstream

PUBLIC = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def upstream():
    async with ScriptedUpstream(("llama3:latest", "qwen3:4b"), key=UPSTREAM_KEY) as scripted:
        yield scripted


async def test_show_ps_and_a_name_without_a_tag(accounts, client_for, upstream):
    await accounts.admin()
    client = client_for(accounts.admin_token)

    shown = await client.show("llama3")
    assert shown.details.family == "llama" and shown.capabilities == ["completion"]
    assert shown.modelinfo["llama.context_length"] == 8192
    assert upstream.last("/api/show").body == {"model": "llama3:latest"}
    assert (await client.show("qwen3:4b")).template == "{{ .Prompt }}"
    with pytest.raises(ollama.ResponseError) as unknown:
        await client.show("mistral")
    assert unknown.value.status_code == 400 and "mistral" in unknown.value.error

    loaded = await client.ps()
    assert [m.model for m in loaded.models] == ["llama3:latest"]
    assert loaded.models[0].expires_at.year == 2030 and loaded.models[0].size_vram == 1

    reply = await client.chat(model="llama3", messages=HI)
    assert reply.message.content == "tok0 tok1 tok2 "
    assert upstream.last("/api/chat").body["model"] == "llama3:latest"
    generated = await client.generate(model="llama3", prompt="hi")
    assert generated.response == "tok0 tok1 tok2 "
    assert upstream.last("/api/generate").body["model"] == "llama3:latest"


async def test_show_takes_the_older_name_field_and_lists_where_models_are_loaded(
        accounts, client, upstream):
    """A connection that is down adds nothing to what is loaded."""
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    shown = await client.post("/ollama/api/show", headers=admin, json={"name": "llama3"})
    assert shown.status_code == 200 and shown.json()["details"]["format"] == "gguf"
    missing = await client.post("/ollama/api/show", headers=admin, json={})
    assert missing.status_code == 400 and "model is required" in missing.json()["error"]

    await client.post("/ollama/config/update", headers=admin, json={
        "OLLAMA_BASE_URLS": [upstream.url, upstream.url, f"http://127.0.0.1:{free_port()}"],
        "OLLAMA_API_CONFIGS": {"1": {"prefix_id": "b"}}})
    models = (await client.get("/ollama/api/ps", headers=admin)).json()["models"]
    assert [(m["model"], m["urls"]) for m in models] == [("llama3:latest", [0]),
                                                         ("b.llama3:latest", [1])]
    await client.post("/ollama/config/update", headers=admin,
                      json={"ENABLE_OLLAMA_API": False})
    assert (await client.get("/ollama/api/ps", headers=admin)).json() == {"models": []}


async def test_users_need_access_and_ps_is_for_administrators(accounts, client_for, upstream,
                                                               client):
    await accounts.admin()
    una = client_for((await accounts.user("una@example.com"))["token"])
    with pytest.raises(ollama.ResponseError) as refused:
        await una.show("llama3")
    assert refused.value.status_code == 403
    with pytest.raises(ollama.ResponseError) as not_admin:
        await una.ps()
    assert not_admin.value.status_code == 401

    made = await client.post("/api/v1/models/model/access/update",
                             headers=bearer(accounts.admin_token),
                             json={"id": "llama3:latest", "access_grants": PUBLIC})
    assert made.status_code == 200, made.text
    assert (await una.show("llama3")).details.family == "llama"
    assert (await una.chat(model="llama3", messages=HI)).done
    with pytest.raises(ollama.ResponseError) as other:
        await una.show("qwen3:4b")
    assert other.value.status_code == 403


async def test_a_model_pulled_after_the_list_was_read_is_found_without_its_tag(
        accounts, client_for, upstream):
    await accounts.admin()
    client = client_for(accounts.admin_token)
    upstream.models.remove("llama3:latest")
    assert "llama3:latest" not in {m.model for m in (await client.list()).models}
    upstream.models.append("llama3:latest")  # pulled upstream since
    assert (await client.chat(model="llama3", messages=HI)).message.content
    assert upstream.last("/api/chat").body["model"] == "llama3:latest"
