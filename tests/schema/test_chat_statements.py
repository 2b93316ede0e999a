"""A page of chats with their owners, messages and tags costs the same number of SQL
statements whatever the page size (dataloaders), and no list reads the `chat.chat` tree."""

import re
from contextlib import contextmanager

from sqlalchemy import event

from tests.compat_rest.openwebui.test_chats import new_chat, tree
from tests.conftest import bearer

PAGE = """{ chats(first: 50) { nodes { owner { name } messages(first: 20) { nodes { content } }
  tags { name } } } }"""
READS_TREE = re.compile(r"\bchat\.chat\b")


@contextmanager
def recorded(app):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.state.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def on_the_driver(app):
    """The statements the point reader runs for larger reads (records, on either
    database: data/repos/driver.py)."""
    reader, statements = app.state.services.reader, []
    records = reader.records

    async def recorded_records(sql, *params, **options):
        statements.append(sql)
        return await records(sql, *params, **options)

    reader.records = recorded_records
    try:
        yield statements
    finally:
        del reader.records


async def add_chats(client, token, count: int, start: int) -> None:
    for i in range(start, start + count):
        history = tree(("u", None, "user", f"question {i}"), ("a", "u", "assistant", "answer"),
                       ("u2", "a", "user", "thanks"))
        chat = await new_chat(client, token, f"chat {i}", history)
        for tag in ("alpha", f"tag {i}"):
            await client.post(f"/api/v1/chats/{chat['id']}/tags", headers=bearer(token),
                              json={"name": tag})


async def statements_for_page(app, graphql, token, chats: int) -> list[str]:
    with recorded(app) as statements, on_the_driver(app) as driver:
        data = await graphql.ok(PAGE, token=token)
    statements += driver
    nodes = data["chats"]["nodes"]
    assert len(nodes) == chats
    assert all(n["owner"]["name"] == "Ada Admin" and len(n["messages"]["nodes"]) == 3
               and len(n["tags"]) == 2 for n in nodes)
    return statements


async def test_statements_do_not_grow_with_the_page(app, client, graphql, accounts):
    await accounts.admin()
    token = accounts.admin_token
    await add_chats(client, token, 3, 0)
    few = await statements_for_page(app, graphql, token, 3)
    await add_chats(client, token, 37, 3)
    many = await statements_for_page(app, graphql, token, 40)
    assert len(many) == len(few), many
    assert len(few) <= 8, few
    assert not any(READS_TREE.search(s) for s in many)


async def test_the_rest_list_never_reads_the_tree(app, client, accounts):
    await accounts.admin()
    token = accounts.admin_token
    await add_chats(client, token, 2, 0)
    with recorded(app) as statements, on_the_driver(app) as driver:
        listed = await client.get("/api/v1/chats/", headers=bearer(token))
    statements += driver
    assert len(listed.json()) == 2
    assert statements and not any(READS_TREE.search(s) for s in statements)
