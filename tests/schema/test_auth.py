"""Signing up, in and out over GraphQL; expected failures come back as union members."""

import pytest

from tests.schema.conftest import SIGN_UP, error_codes

VIEWER = "{ viewer { id name email role authMethod sessionExpiresAt } }"
SIGN_IN = """
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) {
    __typename
    ... on AuthSession { token expiresAt user { id email } }
    ... on MutationError { message code }
    ... on RateLimitExceeded { retryAfter }
  }
}"""
SIGN_OUT = "mutation { signOut { signedOut } }"
CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    __typename
    ... on ChangePasswordPayload { changed }
    ... on MutationError { message code }
  }
}"""


@pytest.fixture
def env_overrides():
    """A small sign-in budget, so the rate limit is reached in a few attempts."""
    return {"SIGNIN_RATE_LIMIT": "3"}


def sign_in(email="admin@example.com", password="admin-pass-1"):
    return SIGN_IN, {"input": {"email": email, "password": password}}


async def test_sign_up_sign_in_viewer_sign_out(graphql):
    first = await graphql.ok(SIGN_UP, {"input": {
        "name": "Ada Admin", "email": "Admin@Example.com", "password": "admin-pass-1"}})
    assert first["signUp"]["__typename"] == "AuthSession"
    assert first["signUp"]["user"]["role"] == "ADMIN"

    session = (await graphql.ok(*sign_in()))["signIn"]
    assert session["__typename"] == "AuthSession"
    assert session["user"]["email"] == "admin@example.com"
    assert session["expiresAt"].endswith("+00:00")  # DateTime: ISO 8601 in UTC
    token = session["token"]

    viewer = (await graphql.ok(VIEWER, token=token))["viewer"]
    assert viewer["id"] == first["signUp"]["user"]["id"]
    assert viewer["authMethod"] == "SESSION"
    assert viewer["sessionExpiresAt"] == session["expiresAt"]

    assert (await graphql.ok(SIGN_OUT, token=token)) == {"signOut": {"signedOut": True}}
    refused = await graphql(VIEWER, token=token)
    assert refused["data"] == {"viewer": None}
    assert error_codes(refused) == ["UNAUTHENTICATED"]
    assert refused["errors"][0]["extensions"]["reason"] == "token_revoked"
    # The sign-up token is another session: it still works.
    assert (await graphql.ok(VIEWER, token=first["signUp"]["token"]))["viewer"]


async def test_garbage_token_is_unauthenticated_not_anonymous(graphql):
    body = await graphql(VIEWER, token="not-a-token")
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_wrong_password_and_unknown_email_are_invalid_credentials(graphql):
    await graphql.admin()
    for email, password in (("admin@example.com", "wrong"), ("nobody@example.com", "x")):
        result = (await graphql.ok(*sign_in(email, password)))["signIn"]
        assert result == {"__typename": "InvalidCredentials", "code": "UNAUTHENTICATED",
                          "message": "The e-mail or password is incorrect."}


async def test_sign_in_is_rate_limited_per_email(graphql):
    await graphql.admin()
    for _ in range(3):
        assert (await graphql.ok(*sign_in(password="bad")))["signIn"]["__typename"] == \
            "InvalidCredentials"
    limited = (await graphql.ok(*sign_in()))["signIn"]
    assert limited["__typename"] == "RateLimitExceeded"
    assert limited["code"] == "RATE_LIMITED" and limited["retryAfter"] > 0


async def test_sign_up_closed_after_first_account(graphql):
    await graphql.admin()
    late = await graphql.ok(SIGN_UP, {"input": {"name": "Late", "email": "late@example.com",
                                                "password": "late-pass-1"}})
    assert late["signUp"]["__typename"] == "SignUpClosed"
    assert late["signUp"]["code"] == "FORBIDDEN"


async def test_sign_up_validation_error_names_the_field(client, graphql):
    token = await graphql.admin()
    await client.post("/api/v1/auths/admin/config", json={"ENABLE_SIGNUP": True},
                      headers={"Authorization": f"Bearer {token}"})
    taken = await graphql.ok(SIGN_UP, {"input": {
        "name": "Again", "email": "admin@example.com", "password": "again-pass-1"}})
    assert taken["signUp"] == {"__typename": "EmailTaken", "code": "CONFLICT",
                               "message": "This e-mail address is already registered."}
    bad = await graphql(SIGN_UP, {"input": {"name": "B", "email": "not-an-email",
                                            "password": "b-pass-1"}})
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["field"] == "email"


async def test_change_password_ends_sessions(graphql):
    token = await graphql.admin()
    wrong = await graphql.ok(CHANGE_PASSWORD, {"input": {
        "currentPassword": "nope", "newPassword": "new-pass-1"}}, token=token)
    assert wrong["changePassword"]["__typename"] == "IncorrectPassword"
    changed = await graphql.ok(CHANGE_PASSWORD, {"input": {
        "currentPassword": "admin-pass-1", "newPassword": "new-pass-1"}}, token=token)
    assert changed["changePassword"] == {"__typename": "ChangePasswordPayload",
                                         "changed": True}
    assert error_codes(await graphql(VIEWER, token=token)) == ["UNAUTHENTICATED"]
    again = (await graphql.ok(*sign_in(password="new-pass-1")))["signIn"]
    assert again["__typename"] == "AuthSession"


async def test_change_password_needs_a_signed_in_caller(graphql):
    body = await graphql(CHANGE_PASSWORD, {"input": {"currentPassword": "a",
                                                     "newPassword": "b"}})
    assert body["data"] is None and error_codes(body) == ["UNAUTHENTICATED"]


async def test_sign_in_over_http_sets_the_cookie_and_sign_out_clears_it(client, graphql):
    await graphql.admin()
    query, variables = sign_in()
    signed_in = await client.post("/graphql", json={"query": query, "variables": variables})
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("token=") and "HttpOnly" in cookie and "Path=/" in cookie
    token = signed_in.json()["data"]["signIn"]["token"]
    assert client.cookies["token"] == token
    # The cookie alone signs the browser's next requests in.
    viewer = await client.post("/graphql", json={"query": VIEWER})
    assert viewer.json()["data"]["viewer"]["email"] == "admin@example.com"
    signed_out = await client.post("/graphql", json={"query": SIGN_OUT})
    assert signed_out.json()["data"]["signOut"]["signedOut"] is True
    assert 'token=""' in signed_out.headers["set-cookie"] and "token" not in client.cookies
