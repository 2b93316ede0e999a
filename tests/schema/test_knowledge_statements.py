"""A page of knowledge bases with their owners, files (and the files' owners), file
counts, grants and write access costs the same number of SQL statements for 10 and for
30 knowledge bases (dataloaders), for an administrator and for a user who sees them
through grants."""

from __future__ import annotations

import uuid

from data.tables import AccessGrantRow, FileRow, KnowledgeFileRow, KnowledgeRow
from resolvers.context import Context
from tests.schema.test_chat_statements import recorded

PAGE = """{ knowledgeBases(first: 30) { totalCount nodes { name writeAccess fileCount
  owner { name } grants { permission }
  files(first: 5) { totalCount nodes { filename owner { name } } } } } }"""


async def add_knowledge(app, owners: list[str], reader: str, count: int) -> None:
    """`count` knowledge bases, owned in turn by `owners`, each with three files and a
    read grant to `reader`."""
    ctx = Context(app.state.services)
    async with ctx.unit_of_work(write=True):
        for i in range(count):
            owner = owners[i % len(owners)]
            kb = KnowledgeRow(id=str(uuid.uuid4()), user_id=owner, name=f"kb {i}",
                              description="", created_at=i, updated_at=i)
            ctx.session.add(kb)
            ctx.session.add(AccessGrantRow(id=str(uuid.uuid4()), resource_type="knowledge",
                                           resource_id=kb.id, principal_type="user",
                                           principal_id=reader, permission="read",
                                           created_at=i))
            for j in range(3):
                file = FileRow(id=str(uuid.uuid4()), user_id=owner, filename=f"f{i}-{j}.txt",
                               data={"status": "completed"}, meta={}, created_at=i,
                               updated_at=i)
                ctx.session.add(file)
                await ctx.session.flush()
                ctx.session.add(KnowledgeFileRow(
                    id=str(uuid.uuid4()), knowledge_id=kb.id, file_id=file.id,
                    user_id=owner, created_at=j, updated_at=j))


async def statements_for_page(app, graphql, token: str, expected: int) -> list[str]:
    with recorded(app) as statements:
        data = await graphql.ok(PAGE, token=token)
    page = data["knowledgeBases"]
    assert page["totalCount"] == expected and len(page["nodes"]) == min(expected, 30)
    assert all(n["fileCount"] == 3 and n["files"]["totalCount"] == 3
               and len(n["files"]["nodes"]) == 3 and n["owner"]["name"]
               and all(f["owner"]["name"] for f in n["files"]["nodes"])
               for n in page["nodes"])
    return statements


async def test_statements_do_not_grow_with_the_page(app, graphql):
    admin = await graphql.admin()
    alice = await graphql.add_user(admin, "alice@example.com", name="Alice")
    bob = await graphql.add_user(admin, "bob@example.com", name="Bob")
    owners = [alice["user"]["id"], bob["user"]["id"]]
    await add_knowledge(app, owners, alice["user"]["id"], 10)
    few = {who: await statements_for_page(app, graphql, token, 10)
           for who, token in (("admin", admin), ("alice", alice["token"]))}
    await add_knowledge(app, owners, alice["user"]["id"], 20)
    many = {who: await statements_for_page(app, graphql, token, 30)
            for who, token in (("admin", admin), ("alice", alice["token"]))}
    for who in ("admin", "alice"):
        assert len(many[who]) == len(few[who]), (who, many[who])
        assert len(few[who]) <= 12, (who, few[who])
