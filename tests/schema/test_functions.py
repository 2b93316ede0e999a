"""Functions on GraphQL (SQLite and PostgreSQL), through the same resolvers as REST: the
mutations, `functions` with code and valves shown to administrators only, a module that
does not load refused as BAD_USER_INPUT naming the line with nothing written, and
executeFunction running an action in a worker (a failing one is UPSTREAM_FAILED)."""

from __future__ import annotations

import pytest

from tests.schema.conftest import error_codes
from tests.support.functions import LIMITS, source

FIELDS = "id name type meta isActive isGlobal content valves"
CREATE = f"""mutation Create($input: FunctionInput!) {{
  createFunction(input: $input) {{ function {{ {FIELDS} }} }} }}"""
TOGGLE = """mutation T($id: ID!) { toggleFunction(input: {id: $id}) { function { isActive } } }"""
GLOBAL = """mutation G($id: ID!) {
  toggleFunctionGlobal(input: {id: $id}) { function { isGlobal } } }"""
VALVES = """mutation V($id: ID!, $valves: JSON!) {
  updateFunctionValves(input: {id: $id, valves: $valves}) { valves } }"""
EXECUTE = """mutation E($id: ID!, $body: JSON!) {
  executeFunction(input: {id: $id, body: $body}) { result } }"""
DELETE = """mutation D($id: ID!) { deleteFunction(input: {id: $id}) { deleted } }"""
LIST = f"query {{ functions {{ {FIELDS} }} }}"


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return dict(LIMITS)


@pytest.fixture
async def tokens(graphql):
    admin = await graphql.admin()
    user = await graphql.add_user(admin, "una@example.com")
    return {"admin": admin, "user": user["token"], "user_id": user["user"]["id"]}


async def _create(graphql, token, function_id, content):
    return await graphql(CREATE, {"input": {"id": function_id, "name": function_id,
                                            "content": content}}, token=token)


async def test_functions_through_graphql(graphql, tokens):
    admin, user = tokens["admin"], tokens["user"]
    made = (await _create(graphql, admin, "word_pipe", source("word_pipe")))["data"]
    function = made["createFunction"]["function"]
    assert function["type"] == "PIPE" and function["isActive"] is False
    assert function["meta"]["manifest"]["title"] == "Word Pipe"
    assert (await graphql.ok(TOGGLE, {"id": "word_pipe"}, token=admin)
            )["toggleFunction"]["function"]["isActive"] is True
    stored = await graphql.ok(VALVES, {"id": "word_pipe",
                                       "valves": {"API_KEY": "sk-graphql-secret"}}, token=admin)
    assert stored["updateFunctionValves"]["valves"]["API_KEY"] == "sk-graphql-secret"

    seen_by_admin = (await graphql.ok(LIST, token=admin))["functions"]
    assert seen_by_admin[0]["valves"]["API_KEY"] == "sk-graphql-secret"
    assert seen_by_admin[0]["content"] == source("word_pipe")
    seen_by_user = (await graphql.ok(LIST, token=user))["functions"]
    assert seen_by_user[0]["valves"] is None and seen_by_user[0]["content"] is None
    assert seen_by_user[0]["id"] == "word_pipe"

    refused = await graphql(VALVES, {"id": "word_pipe", "valves": {}}, token=user)
    assert error_codes(refused) == ["FORBIDDEN"]
    assert error_codes(await _create(graphql, user, "mine", source("count_action"))) == \
        ["FORBIDDEN"]

    await _create(graphql, admin, "count_action", source("count_action"))
    await graphql.ok(TOGGLE, {"id": "count_action"}, token=admin)
    ran = await graphql.ok(EXECUTE, {"id": "count_action", "body": {
        "messages": [{"role": "user", "content": "one two three"}]}}, token=user)
    assert ran["executeFunction"]["result"] == {"content": "3 words",
                                                "user": tokens["user_id"]}
    piped = await graphql.ok(EXECUTE, {"id": "word_pipe", "body": {
        "messages": [{"role": "user", "content": "a b"}]}}, token=admin)
    assert piped["executeFunction"]["result"] == ">a >b "
    await _create(graphql, admin, "tag_filter", source("tag_filter"))
    await graphql.ok(TOGGLE, {"id": "tag_filter"}, token=admin)
    filtered = await graphql.ok(EXECUTE, {"id": "tag_filter", "body": {
        "messages": [{"role": "user", "content": "a b"}]}}, token=user)
    assert filtered["executeFunction"]["result"]["messages"][0]["content"] == "a b [tagged]"
    assert (await graphql.ok(GLOBAL, {"id": "word_pipe"}, token=admin)
            )["toggleFunctionGlobal"]["function"]["isGlobal"] is True
    assert (await graphql.ok(DELETE, {"id": "count_action"}, token=admin)
            )["deleteFunction"]["deleted"] is True


async def test_bad_code_and_failing_calls(graphql, tokens):
    admin = tokens["admin"]
    bad = await _create(graphql, admin, "broken", "x = 1\nclass Pipe(\n")
    assert error_codes(bad) == ["BAD_USER_INPUT"] and "line 2" in bad["errors"][0]["message"]
    assert (await graphql.ok(LIST, token=admin))["functions"] == []
    await _create(graphql, admin, "raiser", "class Action:\n    def action(self, body):\n"
                                            "        raise KeyError('gone')\n")
    await graphql.ok(TOGGLE, {"id": "raiser"}, token=admin)
    failed = await graphql(EXECUTE, {"id": "raiser", "body": {}}, token=admin)
    assert error_codes(failed) == ["UPSTREAM_FAILED"]
    assert "KeyError" in failed["errors"][0]["message"]
