"""The current branch as pages read it (data/repos/messages.py `_branch`), for a page of
chats and for one chat, on both databases: the path from the root to the current message,
the newest message standing in for a current one that does not exist, and a parent cycle
written by another program that ends the walk instead of looping."""

from sqlalchemy import text

from tests.compat_rest.openwebui.test_chats import new_chat, tree

PAGE = """{ chats(first: 10) { nodes { title messages(first: 10) { totalCount
  nodes { id content } } } } }"""
ONE = """query($id: ID!) { chat(id: $id) { messages(last: 2) { totalCount nodes { id } } } }"""


async def set_column(app, sql: str, **params) -> None:
    """What another program (Open WebUI beside us) may leave in the tables."""
    async with app.state.services.write_sessionmaker() as session:
        await session.execute(text(sql), params)
        await session.commit()


def by_title(data: dict) -> dict:
    return {n["title"]: n["messages"] for n in data["chats"]["nodes"]}


async def test_branches_of_a_page_and_of_one_chat(app, client, graphql, accounts):
    await accounts.admin()
    token = accounts.admin_token
    branched = tree(("u", None, "user", "one"), ("a", "u", "assistant", "two"),
                    ("b", "u", "assistant", "other"), ("u2", "a", "user", "three"),
                    current="u2")
    first = await new_chat(client, token, "branched", branched)
    lost = await new_chat(client, token, "lost current", tree(
        ("x", None, "user", "x1"), ("y", "x", "assistant", "y1"), ("z", "x", "assistant", "z1"),
        current="y"))
    looped = await new_chat(client, token, "looped", tree(
        ("p", None, "user", "p1"), ("q", "p", "assistant", "q1")))
    await new_chat(client, token, "empty", tree())
    # The current message is gone: the newest one stands in (Open WebUI's repair).
    await set_column(app, "UPDATE chat SET current_message_id = 'missing' WHERE id = :id",
                     id=lost["id"])
    # p and q are each other's parent.
    await set_column(app, "UPDATE chat_message SET parent_id = 'q' WHERE id = :id",
                     id=f"{looped['id']}-p")

    pages = by_title(await graphql.ok(PAGE, token=token))
    assert [n["id"] for n in pages["branched"]["nodes"]] == ["u", "a", "u2"]
    assert pages["branched"]["totalCount"] == 3
    assert [n["content"] for n in pages["lost current"]["nodes"]] == ["x1", "z1"]
    assert pages["empty"] == {"totalCount": 0, "nodes": []}
    walked = pages["looped"]
    assert walked["totalCount"] > 2 and {n["id"] for n in walked["nodes"]} == {"p", "q"}

    one = await graphql.ok(ONE, {"id": first["id"]}, token=token)
    assert one["chat"]["messages"] == {"totalCount": 3, "nodes": [{"id": "a"}, {"id": "u2"}]}
    one = await graphql.ok(ONE, {"id": lost["id"]}, token=token)
    assert one["chat"]["messages"] == {"totalCount": 2, "nodes": [{"id": "x"}, {"id": "z"}]}
