"""API keys over GraphQL: created once, usable as bearer or x-api-key, then deleted."""

import pytest

from tests.schema.conftest import error_codes

VIEWER = "{ viewer { id authMethod sessionExpiresAt } }"


@pytest.fixture
def env_overrides():
    return {"ENABLE_API_KEYS": "true"}


async def test_api_key_lifecycle(graphql):
    token = await graphql.admin()
    key = (await graphql.ok("mutation { createApiKey { apiKey } }", token=token)
           )["createApiKey"]["apiKey"]
    assert key.startswith("sk-")
    for headers in ({"Authorization": f"Bearer {key}"}, {"x-api-key": key}):
        viewer = (await graphql.ok(VIEWER, headers=headers))["viewer"]
        assert viewer["authMethod"] == "API_KEY" and viewer["sessionExpiresAt"] is None
    deleted = await graphql.ok("mutation { deleteApiKey { deleted } }", token=token)
    assert deleted == {"deleteApiKey": {"deleted": True}}
    assert error_codes(await graphql(VIEWER, headers={"x-api-key": key})) == \
        ["UNAUTHENTICATED"]


async def test_api_key_needs_a_caller(graphql):
    body = await graphql("mutation { createApiKey { apiKey } }")
    assert body["data"] is None and error_codes(body) == ["UNAUTHENTICATED"]
