"""Fuzzing the edges where client input enters (hypothesis): the body reader and its
media types, the integer parser and the string rule, through the whole app on both
databases. Whatever arrives, the answer is never a 5xx."""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolvers.errors import Invalid
from resolvers.input_rules import INT64_MAX, INT64_MIN, decode_json, whole_number
from tests.compat_rest.scim.conftest import TOKEN as SCIM_TOKEN
from tests.conftest import bearer

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Strings with what breaks storage (NUL, lone surrogates are not JSON), numbers past
# 64 bits, and nesting; then JSON text around them, sometimes broken or deep.
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["\x00", "a\x00b", "ab", ""])
NUMBER = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from(
    [2**63, -(2**63) - 1, 2**64, 10**30])
VALUES = st.recursive(st.none() | st.booleans() | NUMBER | TEXT,
                      lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)
BODIES = (VALUES.map(lambda v: json.dumps(v).encode())
          | st.dictionaries(st.sampled_from(["chat", "title", "email", "password", "name",
                                             "model", "messages", "schemas", "userName",
                                             "startIndex", "count", "query", "variables"]),
                            VALUES, max_size=5).map(lambda v: json.dumps(v).encode())
          | st.integers(1, 5000).map(lambda depth: b"[" * depth)
          | st.sampled_from([b'{"title": "\\ud800"}', b"NaN", b"1e400", b"\xef\xbb\xbf{}"])
          | st.binary(max_size=64))
CONTENT_TYPES = st.sampled_from([None, "application/json", "application/scim+json",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "application/json; x=\x7f",
                                 "", ";", "application/+json"])
WRITES = ["/api/v1/chats/new", "/api/chats", "/api/v1/auths/signin", "/api/v1/auths/signup",
          "/api/v1/auths/update/profile", "/api/chat/completions", "/openai/chat/completions",
          "/ollama/api/chat", "/ollama/api/generate", "/scim/v2/Users", "/scim/v2/Groups",
          "/scim/v2/Users/.search", "/graphql", "/api/v1/chats/x/archive"]
READS = ["/api/v1/users?page=", "/api/v1/chats/list?page=", "/api/v1/chats/archived?page=",
         "/api/chats/x/messages?skip=", "/api/chats/x/messages?limit=",
         "/scim/v2/Users?startIndex=", "/scim/v2/Users?count=", "/scim/v2/Groups?count=",
         "/scim/v2/Users?filter=userName%20eq%20", "/api/v1/chats/", "/api/v1/users/",
         "/scim/v2/Users/", "/api/v1/models/model?id=", "/graphql?query="]
QUERY_VALUES = (st.integers(min_value=-(2**80), max_value=2**80).map(str) | TEXT
                | st.sampled_from(["%00", "1%00", "+5", " 7", "1e3", "-0", "9" * 5000]))


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"ENABLE_SCIM": "true", "SCIM_TOKEN": SCIM_TOKEN}


@pytest.fixture
async def headers(accounts) -> dict[str, dict[str, str]]:
    token = (await accounts.admin())["token"]
    return {"scim": {"Authorization": f"Bearer {SCIM_TOKEN}"}, "user": bearer(token)}


def who(path: str, headers: dict[str, dict[str, str]]) -> dict[str, str]:
    return dict(headers["scim" if path.startswith("/scim") else "user"])


@FUZZ
@given(path=st.sampled_from(WRITES), body=BODIES, content_type=CONTENT_TYPES)
async def test_any_body_of_any_type_gets_no_5xx(client, headers, path, body, content_type):
    sent = who(path, headers)
    if content_type is not None:
        sent["Content-Type"] = content_type
    response = await client.post(path, content=body, headers=sent)
    assert response.status_code < 500, (path, content_type, body[:200], response.text)


@FUZZ
@given(path=st.sampled_from(READS), value=QUERY_VALUES)
async def test_any_query_or_path_value_gets_no_5xx(client, headers, path, value):
    encoded = value if value.startswith("%") else quote(value, safe="")
    response = await client.get(path + encoded, headers=who(path, headers))
    assert response.status_code < 500, (path, value, response.text)


@FUZZ
@given(variables=st.dictionaries(st.sampled_from(["t", "id", "x"]), VALUES, max_size=3),
       literal=TEXT)
async def test_any_graphql_variables_or_literals_get_no_internal_error(
        client, headers, variables, literal):
    document = ("mutation M($t: String!) { createChat(input: {title: $t}) { __typename } } "
                f"query Q {{ chat(id: {json.dumps(literal)}) {{ id }} }}")
    for operation in ("M", "Q"):
        body = {"query": document, "variables": variables, "operationName": operation}
        response = await client.post("/graphql", json=body, headers=headers["user"])
        assert response.status_code < 500, response.text
        codes = {e["extensions"]["code"] for e in response.json().get("errors") or []}
        assert "INTERNAL" not in codes, response.text


@given(raw=st.binary(max_size=64) | BODIES)
def test_the_json_reader_answers_a_value_or_invalid(raw):
    try:
        decode_json(raw)
    except Invalid as error:
        assert error.status == 400


@given(raw=QUERY_VALUES | NUMBER)
def test_the_integer_parser_answers_a_64_bit_number_or_invalid(raw):
    try:
        value = whole_number(raw, "n")
    except Invalid as error:
        assert error.reason in ("not_a_whole_number", "number_out_of_range")
    else:
        assert INT64_MIN <= value <= INT64_MAX
