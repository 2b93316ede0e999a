"""Errors are coded or masked, and a mutation is one transaction."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.context import Context
from schema.auth import queries as auth_queries
from schema.context import GraphQLContext
from tests.schema.conftest import error_codes

VIEWER = "{ viewer { id } }"
SECRET = "password=hunter2 in /srv/parley/secret.py"


async def test_unexpected_errors_are_masked_and_logged(graphql, monkeypatch, caplog):
    async def broken(ctx):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(auth_queries, "current_viewer", broken)
    with caplog.at_level(logging.ERROR, logger="parley.graphql"):
        body = await graphql(VIEWER)
    assert body["errors"] == [{"message": "Unexpected error.", "path": ["viewer"],
                               "locations": [{"line": 1, "column": 3}],
                               "extensions": {"code": "INTERNAL"}}]
    assert "hunter2" not in str(body) and "Traceback" not in str(body)
    assert any("hunter2" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


async def test_expected_errors_are_not_logged(graphql, caplog):
    with caplog.at_level(logging.INFO):
        assert error_codes(await graphql(VIEWER, token="garbage")) == ["UNAUTHENTICATED"]
        assert error_codes(await graphql("{ nope }")) == ["GRAPHQL_VALIDATION_FAILED"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_failed_commit_is_masked_and_keeps_nothing(graphql, monkeypatch, caplog):
    token = await graphql.admin()

    async def failing_commit(self):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(AsyncSession, "commit", failing_commit)
    with caplog.at_level(logging.ERROR, logger="parley.graphql"):
        body = await graphql("mutation { signOut { signedOut } }", token=token)
    monkeypatch.undo()
    assert body == {"data": None, "errors": [{"message": "Unexpected error.",
                                              "extensions": {"code": "INTERNAL"}}]}
    assert (await graphql.ok(VIEWER, token=token))["viewer"], "the sign-out was kept"


async def test_a_failing_field_rolls_the_whole_mutation_back(graphql):
    token = await graphql.admin()
    body = await graphql("""mutation {
        renamed: updateProfile(input: {name: "Renamed", profileImageUrl: "/user.png"}) {
          user { name } }
        gone: deleteUser(input: {userId: "no-such-user"}) { deletedUserId } }""",
                         token=token)
    # Mutation fields are non-null, so the failure nulls all of `data`: nothing claims a
    # change that the rollback undid.
    assert body["data"] is None and error_codes(body) == ["NOT_FOUND"]
    name = (await graphql.ok("{ viewer { name } }", token=token))["viewer"]["name"]
    assert name == "Ada Admin", "the rename was kept"


async def test_sign_in_reads_and_other_mutations_write(graphql, monkeypatch):
    await graphql.admin()
    writes = []
    original = Context.unit_of_work

    def spy(self, *, write=False):
        writes.append(write)
        return original(self, write=write)

    monkeypatch.setattr(GraphQLContext, "unit_of_work", spy)
    await graphql.ok('mutation { signIn(input: {email: "admin@example.com", '
                     'password: "admin-pass-1"}) { __typename } }')
    await graphql.ok(VIEWER)
    await graphql.ok("mutation { signOut { signedOut } }")
    assert writes == [False, False, True]


async def test_a_nested_error_rolls_back_and_says_so(graphql, monkeypatch):
    from schema.auth import types as auth_types

    monkeypatch.setattr(auth_types, "timestamp", lambda seconds: "not a datetime")
    body = await graphql(SIGN_UP_AGAIN)
    monkeypatch.undo()
    assert body["data"]["signUp"]["expiresAt"] is None  # the field that failed
    assert error_codes(body) == ["INTERNAL", "ROLLED_BACK"]
    # The account the payload describes was not kept: the first sign-up is still open.
    assert (await graphql.ok(SIGN_UP_AGAIN))["signUp"]["expiresAt"]


SIGN_UP_AGAIN = """mutation { signUp(input: {name: "Ada", email: "ada@example.com",
  password: "ada-pass-1"}) { ... on AuthSession { expiresAt } } }"""
