"""The depth limit, configured low (GRAPHQL_MAX_DEPTH=2, the least allowed): our schema
is shallow. Introspection, which the depth limiter skips, has its own rule."""

import pytest

from tests.schema.conftest import error_codes


@pytest.fixture
def env_overrides():
    return {"GRAPHQL_MAX_DEPTH": "2"}


async def test_too_deep_is_refused(graphql):
    token = await graphql.admin()
    assert "errors" not in await graphql("{ users { nodes { id } } }", token=token)
    body = await graphql("{ users { edges { node { id } } } }", token=token)
    assert body.get("data") is None and error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["message"] == "'anonymous' exceeds maximum operation depth of 2"


async def test_deep_fragments_count_too(graphql):
    token = await graphql.admin()
    body = await graphql("query Deep { users { ...E } } "
                         "fragment E on UserConnection { edges { node { id } } }", token=token)
    assert body["errors"][0]["message"] == "'Deep' exceeds maximum operation depth of 2"
