"""A page of chats with one window of messages each is read in one statement
(data/repos/chat_pages.py), and every chat's window is the one `chat(id:)` reads alone,
for each order, filter, offset and window."""

import pytest

from tests.compat_rest.openwebui.test_chats import new_chat, tree
from tests.conftest import bearer
from tests.schema.test_chat_statements import on_the_driver, recorded

WINDOW = "{ totalCount pageInfo { hasNextPage hasPreviousPage } nodes { id role content } }"


def page(listing: str, args: str) -> str:
    return (f"query($after: String) {{ chats(first: 3, after: $after{listing}) {{ pageInfo "
            f"{{ hasNextPage endCursor }} nodes {{ id title messages{args} {WINDOW} }} }} }}")


def one(args: str) -> str:
    return f"query($id: ID!) {{ chat(id: $id) {{ messages{args} {WINDOW} }} }}"


LISTINGS = ["", ", orderBy: {field: TITLE, direction: ASC}", ", filter: {pinned: true}",
            ", filter: {archived: true}", ", filter: {tag: \"work\"}"]
WINDOWS = ["(first: 2)", "(last: 2)", "(first: 1, scope: TREE)", "(first: 0)"]


async def seven_chats(client, token) -> None:
    for i in range(7):
        nodes = [("u", None, "user", f"q{i}"), ("a", "u", "assistant", f"a{i}")]
        nodes += [("b", "u", "assistant", f"b{i}")] if i % 2 else []
        nodes += [("u2", "a", "user", f"more {i}")] if i % 3 else []
        chat = await new_chat(client, token, f"chat {(i * 5) % 7}", tree(*nodes,
                                                                         current=nodes[-1][0]))
        if i % 2:
            await client.post(f"/api/v1/chats/{chat['id']}/pin", headers=bearer(token))
        if i == 3:
            await client.post(f"/api/v1/chats/{chat['id']}/archive", headers=bearer(token))
        if i % 3 == 0:
            await client.post(f"/api/v1/chats/{chat['id']}/tags", headers=bearer(token),
                              json={"name": "work"})


@pytest.mark.parametrize("listing", LISTINGS)
async def test_each_window_is_the_chats_own(app, client, graphql, accounts, listing):
    await accounts.admin()
    token = accounts.admin_token
    await seven_chats(client, token)
    for args in WINDOWS:
        after, seen = None, []
        while True:
            with recorded(app) as statements, on_the_driver(app) as driver:
                data = await graphql.ok(page(listing, args), {"after": after}, token=token)
            reads = [s for s in statements + driver
                     if s.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
            if "tag" not in listing:  # a tag filter's page is built per request
                assert len(reads) == 1, reads
            for node in data["chats"]["nodes"]:
                alone = await graphql.ok(one(args), {"id": node["id"]}, token=token)
                assert node["messages"] == alone["chat"]["messages"], (listing, args)
            seen += data["chats"]["nodes"]
            if not data["chats"]["pageInfo"]["hasNextPage"]:
                break
            after = data["chats"]["pageInfo"]["endCursor"]
        assert seen or "archived" not in listing
