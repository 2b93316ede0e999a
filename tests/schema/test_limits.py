"""Request limits at their defaults (aliases, tokens, introspection; depth is in
test_depth_limit.py) refuse expensive documents with a clear error,
while big values in variables (a 10 MB chat) pass."""

from graphql import get_introspection_query

from tests.schema.conftest import error_codes


async def test_introspection_cycles_are_refused(graphql):
    cycle = "name"
    for _ in range(4):
        cycle = f"fields {{ type {{ ofType {{ {cycle} }} }} }}"
    body = await graphql(f"{{ __schema {{ types {{ {cycle} }} }} }}")
    assert body.get("data") is None
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "Maximum introspection depth exceeded" in body["errors"][0]["message"]


async def test_too_many_aliases_is_refused(graphql):
    def aliased(n):
        return "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(n)) + " }"
    assert "errors" not in await graphql(aliased(30))
    body = await graphql(aliased(31))
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["message"] == "31 aliases found. Allowed: 30"


async def test_too_many_tokens_is_refused(graphql):
    body = await graphql("{ viewer { " + "id " * 5000 + "} }")
    assert body.get("data") is None and error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert "more than 5000 tokens" in body["errors"][0]["message"]


async def test_graphiql_introspection_fits_the_limits(graphql):
    body = await graphql(get_introspection_query(descriptions=True))
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_ten_megabyte_string_variable_is_accepted(graphql):
    token = await graphql.admin()
    bio = "chat " * (2 * 1024 * 1024)  # 10 MiB
    saved = await graphql.ok(
        "mutation P($input: UpdateProfileInput!) { updateProfile(input: $input) "
        "{ user { id } } }",
        {"input": {"name": "Ada", "profileImageUrl": "/user.png", "bio": bio}}, token=token)
    assert saved["updateProfile"]["user"]["id"]
    assert (await graphql.ok("{ viewer { bio } }", token=token))["viewer"]["bio"] == bio


async def test_big_inline_documents_work_but_skip_the_caches(graphql):
    from strawberry.extensions.parser_cache import _get_parse_cache

    token = await graphql.admin()
    cached = _get_parse_cache(128).cache_info().currsize
    body = await graphql('{ user(id: "' + "x" * 200_000 + '") { id } }', token=token)
    assert error_codes(body) == ["NOT_FOUND"]  # parsed, validated and run
    assert _get_parse_cache(128).cache_info().currsize == cached
