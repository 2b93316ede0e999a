"""Knowledge bases on GraphQL (SQLite and PostgreSQL), through the same resolvers as REST:
the `knowledgeBases` connection, `knowledgeBase`, the mutations; grants (none, read,
write through a group); files added searchable and removed with their chunks; a failing
embedding upstream linking nothing; foreign ids NOT_FOUND and bad input BAD_USER_INPUT."""

from __future__ import annotations

import uuid

import pytest

from tests.compat_rest.openwebui.test_knowledge import add_to_group
from tests.compat_rest.openwebui.test_knowledge_files import (
    BOATS,
    BREAD,
    chunks_in,
    found_texts,
    links,
    processed,
)
from tests.schema.conftest import error_codes
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL, embedding_env

FIELDS = """id name description writeAccess fileCount createdAt updatedAt owner { name }
  grants { principalType principalId permission }
  files(first: 10) { totalCount nodes { id filename } }"""
CREATE = f"""mutation Create($input: CreateKnowledgeBaseInput!) {{
  createKnowledgeBase(input: $input) {{ knowledgeBase {{ {FIELDS} }} }} }}"""
UPDATE = f"""mutation Update($input: UpdateKnowledgeBaseInput!) {{
  updateKnowledgeBase(input: $input) {{ knowledgeBase {{ {FIELDS} }} }} }}"""
ACCESS = f"""mutation Access($input: UpdateKnowledgeBaseAccessInput!) {{
  updateKnowledgeBaseAccess(input: $input) {{ knowledgeBase {{ {FIELDS} }} }} }}"""
DELETE = """mutation Delete($id: ID!) { deleteKnowledgeBase(input: {id: $id}) { id } }"""
ADD_FILE = f"""mutation Add($kb: ID!, $file: ID!) {{
  addKnowledgeBaseFile(input: {{knowledgeBaseId: $kb, fileId: $file}}) {{
    knowledgeBase {{ {FIELDS} }} }} }}"""
REMOVE_FILE = f"""mutation Remove($kb: ID!, $file: ID!) {{
  removeKnowledgeBaseFile(input: {{knowledgeBaseId: $kb, fileId: $file}}) {{
    knowledgeBase {{ {FIELDS} }} }} }}"""
UPDATE_FILE = """mutation Re($kb: ID!, $file: ID!) {
  updateKnowledgeBaseFile(input: {knowledgeBaseId: $kb, fileId: $file}) {
    knowledgeBase { fileCount } } }"""
RESET = """mutation Reset($id: ID!) { resetKnowledgeBase(input: {id: $id}) {
  knowledgeBase { fileCount files { totalCount } } } }"""
LIST = """query List($after: String, $query: String) {
  knowledgeBases(first: 2, after: $after, query: $query) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id name writeAccess } } }"""
ONE = f"""query One($id: ID!) {{ knowledgeBase(id: $id) {{ {FIELDS} }} }}"""



@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    """The shared machine can be slow to answer a first embedding; these tests are not
    about timeouts, so they allow more than the fixtures' 1 s."""
    return {**embedding_env(upstream.url), "RAG_EMBEDDING_TIMEOUT": "10"}

@pytest.fixture
async def people(graphql):
    admin = await graphql.admin()
    alice = await graphql.add_user(admin, "alice@example.com", name="Alice")
    bob = await graphql.add_user(admin, "bob@example.com", name="Bob")
    return {"admin": admin, "alice": alice["token"], "bob": bob["token"],
            "alice_id": alice["user"]["id"], "bob_id": bob["user"]["id"]}


async def make(graphql, token, name="Manuals", **extra) -> dict:
    data = await graphql.ok(CREATE, {"input": {"name": name, **extra}}, token=token)
    return data["createKnowledgeBase"]["knowledgeBase"]


async def test_crud_and_pages(graphql, people):
    admin = people["admin"]
    made = await make(graphql, admin, "Manuals", description="How things work")
    assert made["owner"] == {"name": "Ada Admin"} and made["writeAccess"] is True
    assert made["fileCount"] == 0 and made["files"] == {"totalCount": 0, "nodes": []}
    others = [await make(graphql, admin, f"Guide {i}") for i in range(2)]
    first = (await graphql.ok(LIST, token=admin))["knowledgeBases"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"] is True
    rest = (await graphql.ok(LIST, {"after": first["pageInfo"]["endCursor"]},
                             token=admin))["knowledgeBases"]
    assert {n["id"] for n in first["nodes"] + rest["nodes"]} == {
        made["id"], *(o["id"] for o in others)}
    searched = (await graphql.ok(LIST, {"query": "work"}, token=admin))["knowledgeBases"]
    assert [n["id"] for n in searched["nodes"]] == [made["id"]]

    updated = (await graphql.ok(UPDATE, {"input": {"id": made["id"], "name": "Handbooks"}},
                                token=admin))["updateKnowledgeBase"]["knowledgeBase"]
    assert updated["name"] == "Handbooks" and updated["description"] == "How things work"
    one = (await graphql.ok(ONE, {"id": made["id"]}, token=admin))["knowledgeBase"]
    assert one["name"] == "Handbooks"

    assert (await graphql.ok(DELETE, {"id": made["id"]}, token=admin))[
        "deleteKnowledgeBase"] == {"id": made["id"]}
    gone = await graphql(ONE, {"id": made["id"]}, token=admin)
    assert error_codes(gone) == ["NOT_FOUND"]
    again = await graphql(DELETE, {"id": made["id"]}, token=admin)
    assert error_codes(again) == ["NOT_FOUND"]


async def test_grants(app, graphql, people):
    alice_kb = await make(graphql, people["admin"], "Shared later")
    bob = people["bob"]
    assert (await graphql.ok(LIST, token=bob))["knowledgeBases"]["totalCount"] == 0
    assert error_codes(await graphql(ONE, {"id": alice_kb["id"]}, token=bob)) == ["NOT_FOUND"]
    refused = await graphql(CREATE, {"input": {"name": "Bob's"}}, token=bob)
    assert error_codes(refused) == ["FORBIDDEN"]

    read = {"principalType": "USER", "principalId": people["bob_id"], "permission": "READ"}
    shared = (await graphql.ok(ACCESS, {"input": {"id": alice_kb["id"], "grants": [read]}},
                               token=people["admin"]))["updateKnowledgeBaseAccess"]
    assert shared["knowledgeBase"]["grants"] == [
        {"principalType": "USER", "principalId": people["bob_id"], "permission": "READ"}]
    seen = (await graphql.ok(ONE, {"id": alice_kb["id"]}, token=bob))["knowledgeBase"]
    assert seen["writeAccess"] is False and seen["owner"] == {"name": "Ada Admin"}
    denied = await graphql(UPDATE, {"input": {"id": alice_kb["id"], "name": "Mine"}},
                           token=bob)
    assert error_codes(denied) == ["FORBIDDEN"]

    group_id = await add_to_group(app, people["bob_id"])
    write = {"principalType": "GROUP", "principalId": group_id, "permission": "WRITE"}
    await graphql.ok(ACCESS, {"input": {"id": alice_kb["id"], "grants": [write]}},
                     token=people["admin"])
    changed = await graphql.ok(UPDATE, {"input": {"id": alice_kb["id"], "name": "Ours"}},
                               token=bob)
    assert changed["updateKnowledgeBase"]["knowledgeBase"]["writeAccess"] is True


async def test_files_added_are_searchable_and_removed_with_their_chunks(app, client, graphql,
                                                                        people):
    admin = people["admin"]
    kb = (await make(graphql, admin))["id"]
    boats = await processed(client, admin, "boats.txt", BOATS)
    bread = await processed(client, admin, "bread.txt", BREAD)
    for file_id in (boats, bread):
        added = await graphql.ok(ADD_FILE, {"kb": kb, "file": file_id}, token=admin)
    answer = added["addKnowledgeBaseFile"]["knowledgeBase"]
    assert answer["fileCount"] == 2 and answer["files"]["totalCount"] == 2
    assert {n["filename"] for n in answer["files"]["nodes"]} == {"boats.txt", "bread.txt"}
    assert (await found_texts(app, kb, "keel of a boat in wind"))[0] == BOATS
    one = (await graphql.ok(ONE, {"id": kb}, token=admin))["knowledgeBase"]
    assert one["fileCount"] == 2  # (added within one second: their order is by id)
    assert {n["id"] for n in one["files"]["nodes"]} == {boats, bread}

    removed = await graphql.ok(REMOVE_FILE, {"kb": kb, "file": boats}, token=admin)
    assert [n["id"] for n in removed["removeKnowledgeBaseFile"]["knowledgeBase"]["files"][
        "nodes"]] == [bread]
    assert await chunks_in(app, kb, boats) == 0 and await chunks_in(app, kb, bread) > 0
    # The file stays unless asked (GraphQL asks explicitly).
    assert (await client.get(f"/api/v1/files/{boats}",
                             headers={"Authorization": f"Bearer {admin}"})).status_code == 200

    # A file change and another write in one operation is refused: nothing is written.
    both = await graphql(f"""mutation {{ a: updateKnowledgeBase(input: {{id: "{kb}",
        name: "Renamed"}}) {{ knowledgeBase {{ id }} }}
      b: addKnowledgeBaseFile(input: {{knowledgeBaseId: "{kb}", fileId: "{boats}"}}) {{
        knowledgeBase {{ id }} }} }}""", token=admin)
    assert "BAD_USER_INPUT" in error_codes(both)
    assert await links(app, kb) == 1
    assert (await graphql.ok(ONE, {"id": kb}, token=admin))["knowledgeBase"]["name"] == \
        "Manuals"

    chunks = await chunks_in(app, kb, bread)
    again = await graphql.ok(UPDATE_FILE, {"kb": kb, "file": bread}, token=admin)
    assert again["updateKnowledgeBaseFile"]["knowledgeBase"]["fileCount"] == 1
    assert await chunks_in(app, kb, bread) == chunks
    emptied = await graphql.ok(RESET, {"id": kb}, token=admin)
    assert emptied["resetKnowledgeBase"]["knowledgeBase"] == {"fileCount": 0,
                                                              "files": {"totalCount": 0}}
    assert await chunks_in(app, kb) == 0 and await links(app, kb) == 0


async def test_failing_upstream_foreign_files_and_bad_input(app, client, graphql, people,
                                                            upstream):
    alice = people["alice"]
    kb = (await make(graphql, people["admin"], "Team"))["id"]
    await graphql.ok(ACCESS, {"input": {"id": kb, "grants": [
        {"principalType": "USER", "principalId": people["alice_id"], "permission": "WRITE"}]}},
        token=people["admin"])
    mine = await processed(client, alice, "boats.txt", BOATS)
    bobs = await processed(client, people["bob"], "bread.txt", BREAD)
    upstream.script(MODEL, dims=DIMS, status=503, error_message="overloaded")
    down = await graphql(ADD_FILE, {"kb": kb, "file": mine}, token=alice)
    assert error_codes(down) in (["UPSTREAM_FAILED"], ["UNAVAILABLE"])
    assert await links(app, kb) == 0 and await chunks_in(app, kb) == 0
    upstream.script(MODEL, dims=DIMS)

    foreign = await graphql(ADD_FILE, {"kb": kb, "file": bobs}, token=alice)
    assert error_codes(foreign) == ["NOT_FOUND"]
    unknown = await graphql(ADD_FILE, {"kb": kb, "file": str(uuid.uuid4())}, token=alice)
    assert error_codes(unknown) == ["NOT_FOUND"]
    no_kb = await graphql(ADD_FILE, {"kb": str(uuid.uuid4()), "file": mine}, token=alice)
    assert error_codes(no_kb) == ["NOT_FOUND"]
    assert await links(app, kb) == 0

    admin = people["admin"]
    for name in ("", "   ", "n" * 256, "bad\u0000name"):
        bad = await graphql(CREATE, {"input": {"name": name}}, token=admin)
        assert error_codes(bad) == ["BAD_USER_INPUT"], (name[:10], bad)
    huge_page = await graphql("{ knowledgeBases(first: 1000) { totalCount } }", token=admin)
    assert error_codes(huge_page) == ["BAD_USER_INPUT"]
    wide = await graphql(f'{{ knowledgeBase(id: "{kb}") {{ files(first: 1000) '
                         '{ totalCount } } }', token=admin)
    assert error_codes(wide) == ["BAD_USER_INPUT"]
    assert (await graphql.ok(LIST, token=admin))["knowledgeBases"]["totalCount"] == 1
    assert error_codes(await graphql(LIST)) == ["UNAUTHENTICATED"]
