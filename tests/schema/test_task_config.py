"""`taskConfig` and `updateTaskConfig`: the helper tasks' settings over GraphQL, the same
rows as Open WebUI's `/api/v1/tasks/config`."""

from tests.conftest import bearer
from tests.schema.conftest import error_codes

READ = "{ taskConfig { taskModel taskModelParams enableTitleGeneration " \
       "autocompleteGenerationInputMaxLength voiceModePromptTemplate } }"
UPDATE = """mutation Update($input: UpdateTaskConfigInput!) {
  updateTaskConfig(input: $input) { taskModel taskModelParams enableTitleGeneration
                                    autocompleteGenerationInputMaxLength }
}"""


async def test_read_by_everyone_changed_by_administrators(graphql, client):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    assert (await graphql.ok(READ, token=user))["taskConfig"] == {
        "taskModel": "", "taskModelParams": {}, "enableTitleGeneration": True,
        "autocompleteGenerationInputMaxLength": -1, "voiceModePromptTemplate": ""}
    change = {"taskModel": "llama3:8b", "taskModelParams": {"max_tokens": 64},
              "enableTitleGeneration": False}
    refused = await graphql(UPDATE, {"input": change}, token=user)
    assert error_codes(refused) == ["FORBIDDEN"]
    changed = await graphql.ok(UPDATE, {"input": change}, token=admin)
    assert changed["updateTaskConfig"] == dict(change, autocompleteGenerationInputMaxLength=-1)
    rest = (await client.get("/api/v1/tasks/config", headers=bearer(user))).json()
    assert (rest["TASK_MODEL"], rest["TASK_MODEL_PARAMS"], rest["ENABLE_TITLE_GENERATION"]) \
        == ("llama3:8b", {"max_tokens": 64}, False)

    wrong = await graphql(UPDATE, {"input": {"taskModel": "qwen3:4b",
                                             "enableTitleGeneration": None}}, token=admin)
    assert error_codes(wrong) == ["BAD_USER_INPUT"]
    assert (await graphql.ok(READ, token=user))["taskConfig"]["taskModel"] == "llama3:8b"
