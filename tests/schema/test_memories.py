"""Memories on GraphQL (SQLite and PostgreSQL), through the same resolvers as REST:
the `memories` connection, `memory`, `searchMemories` with scores, and the mutations;
foreign ids are NOT_FOUND, bad input BAD_USER_INPUT, a failing embedding upstream
UPSTREAM_FAILED with nothing written."""

from __future__ import annotations

import pytest

from tests.schema.conftest import error_codes
from tests.support.embeddings import *  # noqa: F403 (the embedding fixtures)
from tests.support.embeddings import DIMS, MODEL

ADD = """mutation Add($input: AddMemoryInput!) {
  addMemory(input: $input) { memory { id type path content meta createdAt updatedAt } } }"""
UPDATE = """mutation Update($input: UpdateMemoryInput!) {
  updateMemory(input: $input) { memory { id type content } } }"""
DELETE = """mutation Delete($id: ID!) { deleteMemory(input: {id: $id}) { deleted } }"""
LIST = """query List($after: String) { memories(first: 2, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id content } } }"""
ONE = """query One($id: ID!) { memory(id: $id) { id content } }"""
SEARCH = """query Search($q: String!, $k: Int!) {
  searchMemories(query: $q, k: $k) { score memory { id content } } }"""
SEARCH_DEFAULT_K = """query Search($q: String!) {
  searchMemories(query: $q) { score memory { id content } } }"""


@pytest.fixture
async def tokens(graphql):
    admin = await graphql.admin()
    alice = await graphql.add_user(admin, "alice@example.com")
    bob = await graphql.add_user(admin, "bob@example.com")
    return {"alice": alice["token"], "bob": bob["token"], "admin": admin}


async def _add(graphql, token, content, **extra):
    data = await graphql.ok(ADD, {"input": {"content": content, **extra}}, token=token)
    return data["addMemory"]["memory"]


async def test_crud_pages_and_search(graphql, client, tokens):
    alice = tokens["alice"]
    made = [await _add(graphql, alice, text) for text in (
        "I work as a nurse", "My favourite colour is green", "I am allergic to peanuts")]
    assert made[0]["type"] == "CONTEXT" and made[0]["meta"] == {"created_by": "manual"}
    tagged = await _add(graphql, alice, "I was born in Porto", type="USER", path="bio/")
    assert tagged["type"] == "USER" and tagged["path"] == "bio"
    first = (await graphql.ok(LIST, token=alice))["memories"]
    assert first["totalCount"] == 4 and len(first["nodes"]) == 2
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await graphql.ok(LIST, {"after": first["pageInfo"]["endCursor"]},
                             token=alice))["memories"]
    assert {n["id"] for n in first["nodes"] + rest["nodes"]} == {
        m["id"] for m in [*made, tagged]}

    found = (await graphql.ok(SEARCH, {"q": "favourite colour", "k": 2},
                              token=alice))["searchMemories"]
    assert found[0]["memory"]["id"] == made[1]["id"] and len(found) == 2
    assert 0.5 < found[1]["score"] < found[0]["score"] <= 1.0

    updated = (await graphql.ok(UPDATE, {"input": {"id": made[2]["id"],
                                                   "content": "I am allergic to cats"}},
                                token=alice))["updateMemory"]["memory"]
    assert updated["content"] == "I am allergic to cats"
    found = (await graphql.ok(SEARCH, {"q": "allergic cats", "k": 1},
                              token=alice))["searchMemories"]
    assert found[0]["memory"]["content"] == "I am allergic to cats"
    # The same memories on REST.
    rest_list = await client.get("/api/v1/memories",
                                 headers={"Authorization": f"Bearer {alice}"})
    assert len(rest_list.json()) == 4

    deleted = await graphql.ok(DELETE, {"id": made[0]["id"]}, token=alice)
    assert deleted["deleteMemory"]["deleted"] is True
    again = await graphql.ok(DELETE, {"id": made[0]["id"]}, token=alice)
    assert again["deleteMemory"]["deleted"] is False
    reset = await graphql.ok("mutation { resetMemories { count } }", token=alice)
    assert reset["resetMemories"]["count"] == 3
    cleared = await graphql.ok("mutation { deleteAllMemories { count } }", token=alice)
    assert cleared["deleteAllMemories"]["count"] == 3
    assert (await graphql.ok(LIST, token=alice))["memories"]["totalCount"] == 0
    empty = await graphql(SEARCH, {"q": "colour", "k": 1}, token=alice)
    assert error_codes(empty) == ["NOT_FOUND"]


async def test_another_users_memory_is_not_found(graphql, tokens):
    secret = await _add(graphql, tokens["alice"], "My locker code is 4711")
    await _add(graphql, tokens["bob"], "I cycle to work")
    bob = tokens["bob"]
    assert error_codes(await graphql(ONE, {"id": secret["id"]}, token=bob)) == ["NOT_FOUND"]
    change = await graphql(UPDATE, {"input": {"id": secret["id"], "content": "x"}}, token=bob)
    assert error_codes(change) == ["NOT_FOUND"]
    gone = await graphql.ok(DELETE, {"id": secret["id"]}, token=bob)
    assert gone["deleteMemory"]["deleted"] is False
    found = (await graphql.ok(SEARCH, {"q": "locker code 4711", "k": 5},
                              token=bob))["searchMemories"]
    assert [f["memory"]["content"] for f in found] == ["I cycle to work"]
    assert (await graphql.ok(LIST, token=bob))["memories"]["totalCount"] == 1
    mine = await graphql.ok(ONE, {"id": secret["id"]}, token=tokens["alice"])
    assert mine["memory"]["content"] == "My locker code is 4711"


async def test_bad_input_and_a_failing_upstream_write_nothing(graphql, tokens, upstream):
    alice = tokens["alice"]
    kept = await _add(graphql, alice, "I like chess")
    for variables in ({"input": {"content": "  "}}, {"input": {"content": "x" * 20_001}},
                      {"input": {"content": "ok", "path": "../etc"}}):
        assert error_codes(await graphql(ADD, variables, token=alice)) == ["BAD_USER_INPUT"]
    nothing = await graphql(UPDATE, {"input": {"id": kept["id"]}}, token=alice)
    assert error_codes(nothing) == ["BAD_USER_INPUT"]
    assert error_codes(await graphql(SEARCH, {"q": "chess", "k": 0}, token=alice)) == [
        "BAD_USER_INPUT"]
    upstream.script(MODEL, dims=DIMS, status=503, error_message="overloaded")
    assert error_codes(await graphql(ADD, {"input": {"content": "I like go"}},
                                     token=alice)) == ["UPSTREAM_FAILED"]
    upstream.script(MODEL, dims=16)
    changed = await graphql(UPDATE, {"input": {"id": kept["id"], "content": "I like go"}},
                            token=alice)
    assert error_codes(changed) == ["UPSTREAM_FAILED"]
    upstream.script(MODEL, dims=DIMS)
    listed = (await graphql.ok(LIST, token=alice))["memories"]
    assert [n["content"] for n in listed["nodes"]] == ["I like chess"]
    found = (await graphql.ok(SEARCH, {"q": "chess", "k": 3}, token=alice))["searchMemories"]
    assert [f["memory"]["content"] for f in found] == ["I like chess"]


async def test_signed_out_callers_are_refused(graphql):
    assert error_codes(await graphql(LIST)) == ["UNAUTHENTICATED"]


async def test_a_memory_change_beside_another_write_is_refused_and_nothing_is_written(
        graphql, tokens):
    alice = tokens["alice"]
    mixed = await graphql("""mutation {
      updateViewerTimezone(input: {timezone: "Europe/Paris"}) { user { id } }
      addMemory(input: {content: "I live in Paris"}) { memory { id } } }""", token=alice)
    assert "BAD_USER_INPUT" in error_codes(mixed)
    assert (await graphql.ok(LIST, token=alice))["memories"]["totalCount"] == 0
    alone = await graphql.ok(ADD, {"input": {"content": "I live in Paris"}}, token=alice)
    assert alone["addMemory"]["memory"]["id"]


async def test_search_follows_the_runtime_top_k_and_threshold(client, graphql, tokens):
    """RAG_TOP_K and RAG_RELEVANCE_THRESHOLD as admins set them now, not as the process
    started: on GraphQL and on Open WebUI's memories query."""
    alice = tokens["alice"]
    for content in ("I like chess", "I like go", "My cat is called Tom", "I sail boats"):
        await _add(graphql, alice, content)
    found = (await graphql.ok(SEARCH_DEFAULT_K, {"q": "chess"}, token=alice))["searchMemories"]
    assert len(found) == 3  # RAG_TOP_K's default
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    changed = await client.post("/api/v1/retrieval/config/update", headers=admin,
                                json={"TOP_K": 2})
    assert changed.status_code == 200, changed.text
    found = (await graphql.ok(SEARCH_DEFAULT_K, {"q": "chess"}, token=alice))["searchMemories"]
    assert len(found) == 2 and found[0]["memory"]["content"] == "I like chess"
    assert found[1]["score"] < 0.7 < found[0]["score"]  # (1 + cosine) / 2

    await client.post("/api/v1/retrieval/config/update", headers=admin,
                      json={"RELEVANCE_THRESHOLD": 0.7})
    found = (await graphql.ok(SEARCH, {"q": "chess", "k": 4}, token=alice))["searchMemories"]
    assert [f["memory"]["content"] for f in found] == ["I like chess"]
    rest = await client.post("/api/v1/memories/query", json={"content": "sail", "k": 4},
                             headers={"Authorization": f"Bearer {alice}"})
    assert rest.status_code == 200, rest.text
    assert rest.json()["documents"] == [["I sail boats"]]
