"""`models`, `model(id:)`, `updateModelAccess`, `tasks` and `stopTask` over GraphQL."""

from tests.schema.conftest import error_codes
from tests.support.ai import *  # noqa: F403

MODELS = """{ models { nodes { id name kind connectionType preset loadedUntil
  connections { kind index } accessGrants { principalType principalId } } } }"""
SHARE = """mutation Share($input: UpdateModelAccessInput!) {
  updateModelAccess(input: $input) { modelId accessGrants { principalType principalId permission } }
}"""


async def test_models_with_the_upstream_each_comes_from(graphql):
    token = await graphql.admin()
    models = (await graphql.ok(MODELS, token=token))["models"]["nodes"]
    by_id = {m["id"]: m for m in models}
    assert list(by_id) == ["gpt-4o", "gpt-4o-mini", "llama3:8b", "qwen3:4b",
                           "nomic-embed-text:latest"]
    assert by_id["gpt-4o"]["connections"] == [{"kind": "OPENAI", "index": 0}]
    assert by_id["llama3:8b"]["kind"] == "OLLAMA" and by_id["llama3:8b"]["loadedUntil"]
    assert by_id["qwen3:4b"]["loadedUntil"] is None
    one = await graphql.ok('{ model(id: "qwen3:4b") { id name } }', token=token)
    assert one["model"] == {"id": "qwen3:4b", "name": "qwen3:4b"}
    assert (await graphql.ok('{ model(id: "nope") { id } }', token=token))["model"] is None


async def test_sharing_a_model_over_graphql(graphql):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    assert (await graphql.ok(MODELS, token=user))["models"]["nodes"] == []
    assert (await graphql.ok('{ model(id: "gpt-4o") { id } }', token=user))["model"] is None
    refused = await graphql(SHARE, {"input": {"modelId": "gpt-4o", "grants": [
        {"principalType": "USER", "principalId": "*"}]}}, token=user)
    assert error_codes(refused) == ["NOT_FOUND"]
    shared = await graphql.ok(SHARE, {"input": {"modelId": "gpt-4o", "grants": [
        {"principalType": "USER", "principalId": "*"}]}}, token=admin)
    assert shared["updateModelAccess"]["accessGrants"] == [
        {"principalType": "USER", "principalId": "*", "permission": "READ"}]
    models = (await graphql.ok(MODELS, token=user))["models"]["nodes"]
    assert [m["id"] for m in models] == ["gpt-4o"]
    assert models[0]["accessGrants"] == [{"principalType": "USER", "principalId": "*"}]


async def test_tasks_need_a_user_and_stopping_an_unknown_one_is_not_found(graphql):
    assert error_codes(await graphql("{ tasks { id } }")) == ["UNAUTHENTICATED"]
    token = await graphql.admin()
    assert (await graphql.ok("{ tasks { id } }", token=token))["tasks"] == []
    missing = await graphql('mutation { stopTask(input: {taskId: "nope"}) { task { id } } }',
                            token=token)
    assert error_codes(missing) == ["NOT_FOUND"]
