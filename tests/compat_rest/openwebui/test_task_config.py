"""Open WebUI's task settings: `GET /api/v1/tasks/config` for every verified user,
`POST /api/v1/tasks/config/update` for administrators, kept in the `config` table
(another instance on the same database reads them), seeded from the environment."""

import httpx
import pytest

from asgi import create_app
from data.settings import SettingsError
from tests.conftest import bearer, make_settings

DEFAULTS = {
    "TASK_MODEL": "", "TASK_MODEL_EXTERNAL": "", "TASK_MODEL_PARAMS": {},
    "TITLE_GENERATION_PROMPT_TEMPLATE": "", "IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE": "",
    "ENABLE_AUTOCOMPLETE_GENERATION": False, "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH": -1,
    "AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE": "", "TAGS_GENERATION_PROMPT_TEMPLATE": "",
    "FOLLOW_UP_GENERATION_PROMPT_TEMPLATE": "", "ENABLE_FOLLOW_UP_GENERATION": True,
    "ENABLE_TAGS_GENERATION": True, "ENABLE_TITLE_GENERATION": True,
    "ENABLE_SEARCH_QUERY_GENERATION": True, "ENABLE_RETRIEVAL_QUERY_GENERATION": True,
    "QUERY_GENERATION_PROMPT_TEMPLATE": "", "TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE": "",
    "ENABLE_VOICE_MODE_PROMPT": True, "VOICE_MODE_PROMPT_TEMPLATE": ""}
CHANGED = DEFAULTS | {"TASK_MODEL": "llama3:8b", "TASK_MODEL_EXTERNAL": None,
                      "TASK_MODEL_PARAMS": {"temperature": 0.1},
                      "ENABLE_TITLE_GENERATION": False,
                      "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH": 200,
                      "TITLE_GENERATION_PROMPT_TEMPLATE": "Title: {{MESSAGES:END:2}}"}


async def test_users_read_and_admins_change_the_task_settings(client, accounts, settings):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = bearer((await accounts.user("una@example.com"))["token"])
    read = await client.get("/api/v1/tasks/config", headers=user)
    assert read.status_code == 200 and read.json() == DEFAULTS
    assert (await client.get("/api/v1/tasks/config")).status_code == 401
    refused = await client.post("/api/v1/tasks/config/update", headers=user, json=CHANGED)
    assert refused.status_code == 401

    updated = await client.post("/api/v1/tasks/config/update", headers=admin, json=CHANGED)
    assert updated.status_code == 200 and updated.json() == CHANGED
    assert (await client.get("/api/v1/tasks/config", headers=user)).json() == CHANGED

    other = create_app(settings)  # another instance on the same database
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://b.test") as b:
            assert (await b.get("/api/v1/tasks/config", headers=user)).json() == CHANGED


async def test_a_bad_or_partial_update_changes_nothing(client, accounts):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    for body in ({"TASK_MODEL": "x"}, CHANGED | {"ENABLE_TITLE_GENERATION": "maybe"},
                 CHANGED | {"AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH": "many"},
                 CHANGED | {"TASK_MODEL_PARAMS": [1]}):
        answer = await client.post("/api/v1/tasks/config/update", headers=admin, json=body)
        assert answer.status_code == 422, body
        assert isinstance(answer.json()["detail"], list)
    assert (await client.get("/api/v1/tasks/config", headers=admin)).json() == DEFAULTS


SEEDED = {"TASK_MODEL": "qwen3:4b", "ENABLE_TITLE_GENERATION": "false",
          "TASK_MODEL_PARAMS": '{"max_tokens": 50}',
          "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH": "100"}


async def test_settings_are_seeded_from_the_environment(tmp_path, database_url):
    seeded_app = create_app(make_settings(tmp_path, database_url, **SEEDED))
    async with seeded_app.router.lifespan_context(seeded_app):
        transport = httpx.ASGITransport(app=seeded_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://s.test") as client:
            token = (await client.post("/api/v1/auths/signup", json={
                "name": "Ada", "email": "ada@example.com", "password": "admin-pass-1"})
                     ).json()["token"]
            seeded = await client.get("/api/v1/tasks/config", headers=bearer(token))
    assert seeded.json() == DEFAULTS | {
        "TASK_MODEL": "qwen3:4b", "ENABLE_TITLE_GENERATION": False,
        "TASK_MODEL_PARAMS": {"max_tokens": 50}, "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH": 100}
    for name, value in (("ENABLE_TAGS_GENERATION", "sometimes"),
                        ("TASK_MODEL_PARAMS", "[1]"),
                        ("AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH", "lots")):
        with pytest.raises(SettingsError, match=name):
            make_settings(tmp_path, database_url, **{name: value})
