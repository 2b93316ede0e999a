"""/graphql over HTTP: POST and GET, the GraphiQL page, and bad requests answered with
JSON errors (never a 500)."""

import json

import pytest

from tests.schema.conftest import auth, error_codes

VIEWER = "{ viewer { id name email role } }"


async def test_anonymous_viewer_is_null(graphql):
    assert await graphql.ok(VIEWER) == {"viewer": None}


async def test_post_and_get_answer_the_same_query(client, graphql):
    token = await graphql.admin()
    posted = await graphql.ok(VIEWER, token=token)
    got = await client.get("/graphql", params={"query": VIEWER}, headers=auth(token))
    assert got.status_code == 200 and got.json() == {"data": posted}
    assert posted["viewer"]["role"] == "ADMIN"
    assert posted["viewer"]["email"] == "admin@example.com"


async def test_get_passes_variables_as_json(client, graphql):
    token = await graphql.admin()
    me = (await graphql.ok(VIEWER, token=token))["viewer"]["id"]
    response = await client.get("/graphql", headers=auth(token), params={
        "query": "query One($id: ID!) { user(id: $id) { name } }",
        "variables": json.dumps({"id": me})})
    assert response.json() == {"data": {"user": {"name": "Ada Admin"}}}


async def test_mutation_over_get_is_refused(client, graphql):
    token = await graphql.admin()
    response = await client.get("/graphql", headers=auth(token),
                                params={"query": "mutation { signOut { signedOut } }"})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert error_codes(response.json()) == ["METHOD_NOT_ALLOWED"]
    # The token was not revoked by the refused request.
    assert (await graphql.ok(VIEWER, token=token))["viewer"] is not None


async def test_browser_get_serves_our_graphiql_page(client):
    response = await client.get("/graphql", headers={"Accept": "text/html,*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "GraphiQL" in page and "cdn" not in page.lower()
    assert "/static/graphiql/" in page or "fetch_graphiql.py" in page


async def test_non_browser_get_without_query_is_a_bad_request(client):
    response = await client.get("/graphql", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize("body", [b"{", b'"a string"', b"42", b"null", b"[]",
                                  b'{"query": 5}', b'{"query": "{ viewer { id } }", '
                                                   b'"variables": "x"}'])
async def test_malformed_bodies_get_json_400s(client, body):
    response = await client.post("/graphql", content=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_other_methods_are_not_allowed(client):
    assert (await client.put("/graphql", json={"query": VIEWER})).status_code == 405


async def test_unknown_field_is_a_validation_error(graphql):
    body = await graphql("{ viewer { id password } }")
    assert body.get("data") is None
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "password" in body["errors"][0]["message"]


async def test_syntax_error_is_a_parse_error(graphql):
    body = await graphql("{ viewer { id ")
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


@pytest.mark.parametrize("variables", [
    {"input": {"email": "a@example.com"}},                        # missing password
    {"input": {"email": 42, "password": "x"}},                    # wrong type
    {"input": "not an object"},
    {},                                                           # missing variable
])
async def test_bad_variables_are_bad_user_input(graphql, variables):
    body = await graphql("mutation In($input: SignInInput!) { signIn(input: $input) "
                         "{ __typename } }", variables)
    assert body.get("data") is None
    assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_bad_date_variable_is_bad_user_input_not_masked(graphql):
    token = await graphql.admin()
    body = await graphql(
        "mutation P($input: UpdateProfileInput!) { updateProfile(input: $input) "
        "{ user { id } } }",
        {"input": {"name": "A", "profileImageUrl": "/user.png", "dateOfBirth": "someday"}},
        token=token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "Date" in body["errors"][0]["message"]


async def test_credentials_from_cookie_and_api_key_header(client, graphql):
    token = await graphql.admin()
    client.cookies.set("token", token)
    try:
        assert (await graphql.ok(VIEWER))["viewer"]["role"] == "ADMIN"
    finally:
        client.cookies.clear()
    # API keys are off by default: the header is read, and refused.
    body = await graphql(VIEWER, headers={"x-api-key": "sk-" + "0" * 32})
    assert error_codes(body) == ["FORBIDDEN"]


async def test_token_in_the_url_is_ignored(client, graphql):
    token = await graphql.admin()
    response = await client.get("/graphql", params={"query": VIEWER, "token": token})
    assert response.json() == {"data": {"viewer": None}}


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_over_http_is_a_clear_400(client, graphql, caplog, method):
    token = await graphql.admin()
    query = 'subscription { chatEvents(chatId: "any") { kind } }'
    if method == "POST":
        response = await client.post("/graphql", json={"query": query}, headers=auth(token))
    else:
        response = await client.get("/graphql", params={"query": query}, headers=auth(token))
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "WEBSOCKET_REQUIRED"
    assert "WebSocket" in error["message"] and "graphql-transport-ws" in error["message"]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
