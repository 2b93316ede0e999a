"""`chat(id:)` with one window of messages reads the chat and the window in one statement
(data/repos/chat_window.py), and answers exactly as the two-statement read does."""

from __future__ import annotations

import pytest

from tests.compat_rest.openwebui.test_chats import new_chat, tree
from tests.schema.conftest import error_codes
from tests.schema.test_chat_statements import on_the_driver, recorded

TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK")
FIELDS = "id title updatedAt messages{args} {{ totalCount pageInfo {{ hasNextPage " \
         "hasPreviousPage startCursor endCursor }} nodes {{ id role content createdAt }} }}"
WINDOWS = ["", "(first: 2)", "(last: 2)", "(scope: TREE)", "(scope: TREE, last: 3)",
           "(first: 0)", "(last: 1, scope: BRANCH)"]


def one(args: str) -> str:
    return f"query($id: ID!) {{ chat(id: $id) {{ {FIELDS.format(args=args)} }} }}"


def two(args: str) -> str:
    """The same selection beside a second window: the chat is read alone, then both."""
    return (f"query($id: ID!) {{ chat(id: $id) {{ {FIELDS.format(args=args)} "
            f"other: messages(first: 1, scope: TREE) {{ totalCount }} }} }}")


def reads(statements: list[str]) -> list[str]:
    return [s for s in statements if s.strip().upper() not in TRANSACTION]


async def branched_chat(client, token) -> str:
    history = tree(("u", None, "user", "one"), ("a", "u", "assistant", "two"),
                   ("u2", "a", "user", "three"), ("b", "u", "assistant", "other branch"),
                   current="u2")
    return (await new_chat(client, token, "branched", history))["id"]


@pytest.mark.parametrize("args", WINDOWS)
async def test_one_window_is_read_with_the_chat(app, client, graphql, accounts, args,
                                                backend):
    await accounts.admin()
    token = accounts.admin_token
    chat_id = await branched_chat(client, token)
    with recorded(app) as statements, on_the_driver(app) as driver:
        alone = await graphql.ok(one(args), {"id": chat_id}, token=token)
    # The chat's row and its messages in one statement, on the point reader (outside
    # the session).
    statements = reads(statements) + driver
    assert len(statements) == 1, statements
    assert "chat_message" in statements[0] and "FROM chat" in statements[0]
    assert len(driver) == 1
    with recorded(app) as statements, on_the_driver(app) as driver:
        beside = await graphql.ok(two(args), {"id": chat_id}, token=token)
    # The chat, then each window (on PostgreSQL, on the driver too).
    assert len(reads(statements) + driver) == 3, statements + driver
    beside["chat"].pop("other")
    assert alone == beside
    assert alone["chat"]["title"] == "branched"


async def test_a_chat_without_messages(client, graphql, accounts):
    await accounts.admin()
    token = accounts.admin_token
    chat_id = (await new_chat(client, token, "empty", tree()))["id"]
    for args in ("", "(last: 2)", "(scope: TREE)"):
        alone = await graphql.ok(one(args), {"id": chat_id}, token=token)
        beside = await graphql.ok(two(args), {"id": chat_id}, token=token)
        beside["chat"].pop("other")
        assert alone == beside
        messages = alone["chat"]["messages"]
        assert messages["totalCount"] == 0 and messages["nodes"] == []


async def test_someone_elses_chat_or_none_is_not_found(client, graphql, accounts):
    await accounts.admin()
    mine = await accounts.user("una@example.com")
    chat_id = await branched_chat(client, accounts.admin_token)
    for chat, token in ((chat_id, mine["token"]), ("no-such-chat", accounts.admin_token)):
        body = await graphql(one("(first: 2)"), {"id": chat}, token=token)
        assert error_codes(body) == ["NOT_FOUND"] and body["data"] is None


async def test_invalid_window_arguments_are_the_fields_error(client, graphql, accounts):
    await accounts.admin()
    token = accounts.admin_token
    chat_id = await branched_chat(client, token)
    body = await graphql(one("(first: 1, last: 1)"), {"id": chat_id}, token=token)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] is None
