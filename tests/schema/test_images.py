"""Images over GraphQL on SQLite and PostgreSQL: `generateImage` returns the stored
Files (the REST files routes show them), refusals carry codes and store nothing, and the
`imageGeneration` subscription reports ComfyUI's progress over a real WebSocket."""

import asyncio

import pytest
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError

from tests.compat_rest.openwebui.test_images import ENGINES, configure, stored
from tests.conftest import bearer
from tests.schema.conftest import error_codes
from tests.schema.test_files import subscriber
from tests.support.image_engines import PNG, ScriptedImageEngine

GENERATE = """
mutation Generate($input: GenerateImageInput!) {
  generateImage(input: $input) { id filename contentType size }
}"""
FOLLOW = """
subscription Follow($input: GenerateImageInput!) {
  imageGeneration(input: $input) {
    __typename
    ... on ImageProgress { step steps }
    ... on ImagesGenerated { files { id contentType } }
  }
}"""


@pytest.fixture
async def engine():
    async with ScriptedImageEngine() as scripted:
        yield scripted


@pytest.fixture
def env_overrides():
    return {"ENABLE_IMAGE_GENERATION": "true", "IMAGE_GENERATION_TIMEOUT": "5"}


@pytest.mark.parametrize("name", ENGINES)
async def test_generate_image_returns_stored_files(client, graphql, accounts, engine, name):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = (await accounts.user("una@example.com"))["token"]
    await configure(client, admin, **ENGINES[name](engine.url))
    chat = (await client.post("/api/v1/chats/new", headers=bearer(user),
                              json={"chat": {"title": "Art"}})).json()
    data = await graphql.ok(GENERATE, {"input": {
        "prompt": "a kite", "n": 2, "size": "512x512", "chatId": chat["id"],
        "messageId": "m1"}}, token=user)
    made = data["generateImage"]
    assert len(made) == 2 and made[0]["contentType"] == "image/png"
    assert made[0]["filename"] == "generated-image-1.png" and made[0]["size"] > len(PNG)
    listed = (await client.get("/api/v1/files/", headers=bearer(user))).json()["items"]
    assert {f["id"] for f in listed} == {m["id"] for m in made}
    content = await client.get(f"/api/v1/files/{made[0]['id']}/content", headers=bearer(user))
    assert content.content.startswith(PNG)


# The hanging engine is waited on until IMAGE_GENERATION_TIMEOUT: 1 s instead of the 5 s
# the module's generations get on a busy machine.
@pytest.mark.parametrize("env_overrides", [
    {"ENABLE_IMAGE_GENERATION": "true", "IMAGE_GENERATION_TIMEOUT": "1"}])
async def test_refusals_have_codes_and_store_nothing(client, graphql, accounts, engine, app):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = (await accounts.user("una@example.com"))["token"]
    await configure(client, admin, **ENGINES["automatic1111"](engine.url))
    for variables, code in (({"prompt": ""}, "BAD_USER_INPUT"),
                            ({"prompt": "a", "n": 1000}, "BAD_USER_INPUT"),
                            ({"prompt": "a", "size": "100x100"}, "BAD_USER_INPUT"),
                            ({"prompt": "a", "chatId": "nope"}, "NOT_FOUND")):
        body = await graphql(GENERATE, {"input": variables}, token=user)
        assert error_codes(body) == [code], body
    assert engine.requests == []
    engine.knobs.status = 400
    body = await graphql(GENERATE, {"input": {"prompt": "a"}}, token=user)
    assert error_codes(body) == ["BAD_USER_INPUT"] and "safety" in body["errors"][0]["message"]
    engine.knobs.status, engine.knobs.hang = 200, True
    body = await graphql(GENERATE, {"input": {"prompt": "a"}}, token=user)
    assert error_codes(body) == ["UPSTREAM_TIMEOUT"]
    body = await graphql(GENERATE, {"input": {"prompt": "a"}})
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert await stored(app) == []


async def test_subscription_reports_comfyui_progress_then_files(client, accounts, engine,
                                                                 live_server, app):
    await accounts.admin()
    admin = bearer(accounts.admin_token)
    user = (await accounts.user("una@example.com"))["token"]
    await configure(client, admin, **ENGINES["comfyui"](engine.url))
    engine.knobs.steps, engine.knobs.step_delay = 4, 0.05
    seen = []
    async with subscriber(live_server, user) as session:
        request = GraphQLRequest(FOLLOW, variable_values={"input": {"prompt": "a moon"}})
        async for result in session.subscribe(request):
            seen.append(result["imageGeneration"])
    assert [e for e in seen if e["__typename"] == "ImageProgress"] == [
        {"__typename": "ImageProgress", "step": s, "steps": 4} for s in range(1, 5)]
    assert seen[-1]["__typename"] == "ImagesGenerated"
    assert [f.id for f in await stored(app)] == [seen[-1]["files"][0]["id"]]

    engine.knobs.execution_error = True
    with pytest.raises(TransportQueryError) as failed:
        async with subscriber(live_server, user) as session:
            request = GraphQLRequest(FOLLOW, variable_values={"input": {"prompt": "x"}})
            await asyncio.wait_for(_drain(session.subscribe(request)), 20)
    assert "loading checkpoint" in str(failed.value)
    assert len(await stored(app)) == 1


async def _drain(events):
    async for _ in events:
        pass
