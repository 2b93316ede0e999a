"""Open WebUI's model list and model access routes, and the access rules on every AI
route: admins use every model; a user uses a model once its row grants it to them."""

import pytest

from tests.conftest import bearer
from tests.support.ai import *  # noqa: F403
from tests.support.server import free_port

PUBLIC = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]
CHAT = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def people(accounts):
    await accounts.admin()
    user = await accounts.user("una@example.com")
    return bearer(accounts.admin_token), bearer(user["token"]), user


async def runtime_ids(client, headers, **params) -> list[str]:
    answer = await client.get("/api/models", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [m["id"] for m in answer.json()["data"]]


async def test_admin_sees_every_upstream_model_in_open_webuis_shape(client, people):
    admin, _, _ = people
    answer = await client.get("/api/v1/models", headers=admin)
    models = {m["id"]: m for m in answer.json()["data"]}
    assert list(models) == ["gpt-4o", "gpt-4o-mini", "llama3:8b", "qwen3:4b",
                            "nomic-embed-text:latest"]
    llama, gpt = models["llama3:8b"], models["gpt-4o"]
    assert llama["owned_by"] == "ollama" and llama["ollama"]["model"] == "llama3:8b"
    assert llama["urls"] == [0] and llama["loaded"] is True and llama["object"] == "model"
    assert gpt["owned_by"] == "openai" and gpt["urlIdx"] == 0 and "info" not in gpt
    assert gpt["connection_type"] == "external" and llama["connection_type"] == "local"


async def test_a_down_upstream_drops_out_of_the_list(client, people, upstream):
    admin, _, _ = people
    update = await client.post("/ollama/config/update", headers=admin, json={
        "OLLAMA_BASE_URLS": [f"http://127.0.0.1:{free_port()}", upstream.url]})
    assert update.status_code == 200
    ids = await runtime_ids(client, admin, refresh="true")
    assert ids == ["gpt-4o", "gpt-4o-mini", "llama3:8b", "qwen3:4b", "nomic-embed-text:latest"]
    listed = (await client.get("/ollama/api/tags", headers=admin)).json()["models"]
    assert listed[0]["urls"] == [1]


async def test_users_see_and_use_a_model_once_it_is_made_public(client, people):
    admin, user, _ = people
    assert await runtime_ids(client, user) == []
    assert (await client.get("/ollama/api/tags", headers=user)).json() == {"models": []}
    refused = {
        "/ollama/api/chat": (403, dict(CHAT, model="llama3:8b", stream=False)),
        "/ollama/api/chat/0": (403, dict(CHAT, model="llama3:8b", stream=False)),
        "/openai/chat/completions": (403, dict(CHAT, model="gpt-4o")),
        "/api/chat/completions": (400, dict(CHAT, model="llama3:8b")),
        "/api/embeddings": (400, {"model": "nomic-embed-text:latest", "input": "x"}),
        "/ollama/api/embed": (403, {"model": "nomic-embed-text:latest", "input": "x"}),
    }
    for path, (status, body) in refused.items():
        answer = await client.post(path, headers=user, json=body)
        assert answer.status_code == status, (path, answer.text)
        assert "Model not found" in answer.text, path

    made = await client.post("/api/v1/models/model/access/update", headers=admin,
                             json={"id": "llama3:8b", "access_grants": PUBLIC})
    assert made.status_code == 200, made.text
    assert made.json()["access_grants"][0]["principal_id"] == "*"
    assert made.json()["base_model_id"] is None and made.json()["is_active"] is True

    assert await runtime_ids(client, user) == ["llama3:8b"]
    tags = (await client.get("/ollama/api/tags", headers=user)).json()["models"]
    assert [t["model"] for t in tags] == ["llama3:8b"]
    for path in ("/ollama/api/chat", "/ollama/api/chat/0"):
        used = await client.post(path, headers=user,
                                 json=dict(CHAT, model="llama3:8b", stream=False))
        assert used.status_code == 200 and used.json()["message"]["content"], path
    unified = await client.post("/api/chat/completions", headers=user,
                                json=dict(CHAT, model="llama3:8b"))
    assert unified.json()["choices"][0]["message"]["content"] == "tok0 tok1 tok2 "
    still = await client.post("/ollama/api/chat", headers=user,
                              json=dict(CHAT, model="qwen3:4b"))
    assert still.status_code == 403
    raw = await client.get("/ollama/api/tags/0", headers=user)
    assert raw.status_code == 401  # a connection's own list is for administrators


async def test_a_user_grant_and_switching_a_model_off(client, people):
    admin, user, una = people
    grant = [{"principal_type": "user", "principal_id": una["id"], "permission": "read"}]
    await client.post("/api/v1/models/model/access/update", headers=admin,
                      json={"id": "gpt-4o", "name": "GPT-4o (shared)", "access_grants": grant})
    models = (await client.get("/api/models", headers=user)).json()["data"]
    assert [(m["id"], m["name"]) for m in models] == [("gpt-4o", "GPT-4o (shared)")]
    assert models[0]["info"]["access_grants"][0]["principal_id"] == una["id"]
    seen = await client.get("/api/v1/models/model", params={"id": "gpt-4o"}, headers=user)
    assert seen.status_code == 200 and seen.json()["write_access"] is False
    toggled = await client.post("/api/v1/models/model/toggle", params={"id": "gpt-4o"},
                                headers=admin)
    assert toggled.json()["is_active"] is False
    assert await runtime_ids(client, user) == []
    assert "gpt-4o" not in await runtime_ids(client, admin)
    refused = await client.post("/openai/chat/completions", headers=user,
                                json=dict(CHAT, model="gpt-4o"))
    assert refused.status_code == 403


async def test_workspace_routes_and_their_open_webui_statuses(client, people):
    admin, user, _ = people
    preset = {"id": "helper", "name": "Helper", "base_model_id": "llama3:8b",
              "meta": {"description": "kind"}, "params": {"system": "Be kind."}}
    created = await client.post("/api/v1/models/create", headers=admin, json=preset)
    assert created.status_code == 200, created.text
    assert (await client.post("/api/v1/models/create", headers=admin,
                              json=preset)).status_code == 401  # id taken, as Open WebUI
    assert (await client.post("/api/v1/models/create", headers=user,
                              json=dict(preset, id="mine"))).status_code == 401
    listed = {m["id"]: m for m in (await client.get("/api/models", headers=admin)).json()["data"]}
    assert listed["helper"]["preset"] is True and listed["helper"]["owned_by"] == "ollama"
    assert listed["helper"]["info"]["params"] == {}  # the system prompt is not shown
    missing = await client.get("/api/v1/models/model", params={"id": "nope"}, headers=admin)
    assert missing.status_code == 404
    hidden = await client.get("/api/v1/models/model", params={"id": "helper"}, headers=user)
    assert hidden.status_code == 401
    update = await client.post("/api/v1/models/model/update", headers=user,
                               json=dict(preset, name="Mine now"))
    assert update.status_code == 400
    renamed = await client.post("/api/v1/models/model/update", headers=admin,
                                json=dict(preset, name="Helper 2"))
    assert renamed.json()["name"] == "Helper 2"
    deleted = await client.post("/api/v1/models/model/delete", headers=admin,
                                json={"id": "helper"})
    assert deleted.json() is True
    assert "helper" not in await runtime_ids(client, admin)


async def test_a_preset_runs_on_its_base_model_with_its_prompt(client, people, upstream):
    """The preset's system prompt goes first and its parameters fill in what the caller
    left out, on the unified route and on Ollama's own."""
    admin, user, _ = people
    await client.post("/api/v1/models/create", headers=admin, json={
        "id": "helper", "name": "Helper", "base_model_id": "llama3:8b", "meta": {},
        "params": {"system": "Be kind.", "temperature": 0.3, "max_tokens": 64},
        "access_grants": PUBLIC})
    answer = await client.post("/api/chat/completions", headers=user,
                               json=dict(CHAT, model="helper", temperature=0.9))
    assert answer.status_code == 200, answer.text
    assert answer.json()["model"] == "helper"
    sent = upstream.last("/api/chat").body
    assert sent["model"] == "llama3:8b"
    assert sent["messages"][0] == {"role": "system", "content": "Be kind."}
    assert sent["options"] == {"temperature": 0.9, "num_predict": 64}
    native = await client.post("/ollama/api/chat", headers=user, json=dict(
        model="helper", stream=False, messages=[{"role": "system", "content": "Short."},
                                                {"role": "user", "content": "hi"}]))
    assert native.status_code == 200, native.text
    sent = upstream.last("/api/chat").body
    assert sent["messages"][0]["content"] == "Be kind.\nShort."
    assert sent["options"] == {"temperature": 0.3, "num_predict": 64}


@pytest.fixture
def bypass_env(env_overrides):
    return env_overrides | {"BYPASS_MODEL_ACCESS_CONTROL": "true"}


async def test_bypass_lets_users_use_every_model(tmp_path, database_url, bypass_env, accounts):
    import httpx

    from asgi import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(tmp_path, database_url, **bypass_env))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://parley.test") as client:
            accounts.client = client
            await accounts.admin()
            user = await accounts.user("free@example.com")
            ids = await runtime_ids(client, bearer(user["token"]))
    assert "gpt-4o" in ids and "llama3:8b" in ids


MODEL_ROUTES = [  # path, body (model filled in), status for a model the user may not use
    ("/ollama/api/generate", {"prompt": "hi"}, 403),
    ("/ollama/api/generate/0", {"prompt": "hi"}, 403),
    ("/ollama/api/chat", CHAT, 403), ("/ollama/api/chat/0", CHAT, 403),
    ("/ollama/api/embed", {"input": "x"}, 403), ("/ollama/api/embed/0", {"input": "x"}, 403),
    ("/ollama/api/embeddings", {"prompt": "x"}, 403),
    ("/ollama/api/embeddings/0", {"prompt": "x"}, 403),
    ("/openai/chat/completions", CHAT, 403), ("/openai/v1/chat/completions", CHAT, 403),
    ("/openai/embeddings", {"input": "x"}, 403), ("/openai/v1/embeddings", {"input": "x"}, 403),
    ("/api/chat/completions", CHAT, 400), ("/api/v1/chat/completions", CHAT, 400),
    ("/api/embeddings", {"input": "x"}, 400), ("/api/v1/embeddings", {"input": "x"}, 400),
]


@pytest.mark.parametrize("path, body, status", MODEL_ROUTES)
async def test_every_model_route_refuses_unknown_and_forbidden_models(client, people, path,
                                                                      body, status):
    """A user gets the same refusal for a model that does not exist and for one they may
    not use (nothing tells them which); the upstream is never asked."""
    _, user, _ = people
    model = "gpt-4o" if path.startswith("/openai") else "llama3:8b"
    for name in (model, "no-such-model"):
        answer = await client.post(path, headers=user, json=dict(body, model=name))
        assert answer.status_code == status, (path, name, answer.text)
        assert "Model not found" in answer.text


async def test_each_model_carries_its_connections_own_entry(client, people):
    """`openai` / `ollama` on each listed model is the entry as its connection shaped it
    (prefix, tags, connection type, provider; for Ollama the serving connections and the
    unload time), as Open WebUI lists them."""
    admin, _, _ = people
    plain = (await client.get("/api/models", headers=admin)).json()["data"]
    assert plain[0]["id"] == "gpt-4o" and plain[0]["provider"] == ""
    assert "provider" not in plain[0]["openai"]
    tags = [{"name": "fast"}]
    for path, body in (("/openai/config/update", {"OPENAI_API_CONFIGS": {"0": {
            "prefix_id": "up", "tags": tags, "connection_type": "local",
            "provider": "llama.cpp"}}}),
            ("/ollama/config/update", {"OLLAMA_API_CONFIGS": {"0": {
                "connection_type": "external"}}})):
        assert (await client.post(path, headers=admin, json=body)).status_code == 200
    answer = await client.get("/api/models", headers=admin, params={"refresh": "true"})
    models = {m["id"]: m for m in answer.json()["data"]}
    gpt, llama = models["up.gpt-4o"], models["llama3:8b"]
    assert gpt["openai"] == {"id": "up.gpt-4o", "object": "model", "created": 1700000000,
                             "owned_by": "scripted", "tags": tags, "connection_type": "local",
                             "provider": "llama.cpp"}
    assert (gpt["owned_by"], gpt["connection_type"], gpt["created"], gpt["tags"],
            gpt["provider"]) == ("openai", "local", 1700000000, tags, "llama.cpp")
    assert llama["ollama"]["connection_type"] == "external"
    assert llama["ollama"]["urls"] == [0] and llama["ollama"]["model"] == "llama3:8b"
    assert isinstance(llama["ollama"]["expires_at"], int)
    assert llama["ollama"]["details"]["format"] == "gguf"
    listed = (await client.get("/openai/models", headers=admin)).json()["data"]
    assert listed[0]["openai"]["connection_type"] == "local"
