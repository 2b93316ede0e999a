"""The real schema's chat queries answer the same through schema/execution.py's
PlainFieldsExecutor as through graphql-core's own execution (strawberry's execution
context), to the letter: data, errors, paths, nulls. And a page of chats, whose owners
and messages the `chats` field reads ahead for the whole page (schema/prefetch.py),
answers each chat's nested fields exactly as `chat(id:)` does, which reads them one
chat at a time."""

from __future__ import annotations

import pytest
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import PlainFieldsExecutor
from schema.root import build_schema
from tests.compat_rest.openwebui.test_chats import new_chat, tree
from tests.conftest import bearer

MESSAGE = "id role content parentId status model createdAt updatedAt contentBlocks"
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
DOCUMENTS = {
    "page": f"""{{ chats(first: 10) {{ totalCount {PAGE_INFO}
        nodes {{ id title updatedAt owner {{ name email role }} tags {{ name }}
                 messages(first: 2) {{ totalCount {PAGE_INFO} nodes {{ {MESSAGE} }} }} }} }} }}""",
    "aliases and edges": """{ chats(first: 3) { edges { cursor node { id
        first: messages(first: 1) { nodes { id } }
        last: messages(last: 2, scope: TREE) { totalCount edges { cursor node { id } } }
        all: messages { totalCount nodes { id } } } }
        nodes { again: owner { name } } } }""",
    "fragments and directives": """
        query($skip: Boolean!, $n: Int, $scope: MessageScope) {
          chats(first: 4) { nodes { ...Chat ... on Chat { owner @skip(if: $skip) { id } } } }
        }
        fragment Chat on Chat {
          id messages(first: $n, scope: $scope) @include(if: true) { nodes { id role } }
          hidden: messages(first: 1) @skip(if: $skip) { nodes { id } }
        }""",
    "message fragments": """{ chats(first: 5) { nodes { id
        messages(first: 3, scope: TREE) { edges { node { ...M } }
          nodes { __typename ... on Message { status createdAt } } } } } }
        fragment M on Message { id content contentBlocks usage }""",
    "invalid windows": """{ chats(first: 2) { nodes { id
        bad: messages(first: -1) { nodes { id } } } } }""",
    "first and last": """{ chats(first: 2) { nodes { id
        messages(first: 1, last: 1) { nodes { id } } } } }""",
    "bad cursor": """{ chats(first: 2) { nodes { id title
        messages(after: "nonsense") { nodes { id } } } } }""",
    "too many": """{ chats(first: 2) { nodes { id messages(first: 100000) { totalCount } } } }""",
}
VARIABLES = {"fragments and directives": {"skip": True, "n": 3, "scope": "TREE"}}
ONE_CHAT = f"""query($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
                 $scope: MessageScope) {{
  chat(id: $id) {{ id title owner {{ name email role }} tags {{ name }}
    messages(first: $first, after: $after, last: $last, before: $before, scope: $scope) {{
      totalCount {PAGE_INFO} edges {{ cursor node {{ {MESSAGE} }} }} nodes {{ {MESSAGE} }} }}
  }} }}"""
EXECUTORS = (PlainFieldsExecutor, StrawberryGraphQLCoreExecutionContext)


@pytest.fixture
async def chats(client, accounts) -> dict:
    """A user's chats: branched trees, tags, an empty chat; and another user's chat."""
    await accounts.admin()
    other = (await accounts.user("other@example.com"))["token"]
    token = (await accounts.user("owner@example.com", name="Olga Owner"))["token"]
    branched = tree(("u", None, "user", "question"), ("a", "u", "assistant", "answer"),
                    ("u2", "a", "user", "more"), ("a2", "u2", "assistant", "more answer"),
                    ("b", "u", "assistant", "regenerated"), ("c", None, "user", "new root"),
                    current="a2")
    ids = []
    for n in range(5):
        history = tree(("u", None, "user", "only")) if n == 3 else branched
        ids.append((await new_chat(client, token, f"chat {n}", history))["id"])
        await client.post(f"/api/v1/chats/{ids[-1]}/tags", headers=bearer(token),
                          json={"name": f"tag {n % 2}"})
    ids.append((await new_chat(client, token, "empty", tree()))["id"])
    foreign = (await new_chat(client, other, "not yours", branched))["id"]
    return {"token": token, "ids": ids, "foreign": foreign}


async def both(app, graphql, monkeypatch, document, variables=None, *, token) -> dict:
    schema = build_schema(app.state.services.settings)
    answers = []
    for executor in EXECUTORS:
        monkeypatch.setattr(schema, "execution_context_class", executor)
        answers.append(await graphql(document, variables, token=token))
    assert answers[0] == answers[1]
    return answers[0]


@pytest.mark.parametrize("name", list(DOCUMENTS))
async def test_chat_pages_answer_alike_through_both_executors(app, graphql, chats, monkeypatch,
                                                              name):
    answer = await both(app, graphql, monkeypatch, DOCUMENTS[name], VARIABLES.get(name),
                        token=chats["token"])
    if name in ("page", "aliases and edges", "fragments and directives", "message fragments"):
        assert "errors" not in answer
    else:  # each chat reports its own error, at its own path; the page itself is null
        assert answer["data"] is None
        assert answer["errors"][0]["path"][:3] == ["chats", "nodes", 0]


async def test_the_page_answers_as_each_chat_does(app, graphql, chats, monkeypatch):
    token = chats["token"]
    for scope in ("BRANCH", "TREE"):
        for window in ({"first": 2}, {"last": 3}, {}):
            arguments = ", ".join(f"{key}: {value}" for key, value in window.items())
            arguments = f"({arguments}, scope: {scope})" if arguments else f"(scope: {scope})"
            page = await both(app, graphql, monkeypatch, f"""{{ chats(first: 10) {{ nodes {{
                id title owner {{ name email role }} tags {{ name }}
                messages{arguments} {{ totalCount {PAGE_INFO}
                  edges {{ cursor node {{ {MESSAGE} }} }} nodes {{ {MESSAGE} }} }} }} }} }}""",
                              token=token)
            nodes = page["data"]["chats"]["nodes"]
            assert {n["id"] for n in nodes} == set(chats["ids"])
            for node in nodes:
                one = await both(app, graphql, monkeypatch, ONE_CHAT,
                                 {"id": node["id"], "scope": scope, **window}, token=token)
                assert one["data"]["chat"] == node
                assert node["owner"]["name"] == "Olga Owner"


async def test_cursors_and_errors_of_one_chat(app, graphql, chats, monkeypatch):
    token, chat_id = chats["token"], chats["ids"][0]
    first = await both(app, graphql, monkeypatch, ONE_CHAT,
                       {"id": chat_id, "first": 2, "scope": "TREE"}, token=token)
    messages = first["data"]["chat"]["messages"]
    assert messages["totalCount"] == 6 and len(messages["nodes"]) == 2
    end = messages["pageInfo"]["endCursor"]
    after = await both(app, graphql, monkeypatch, ONE_CHAT,
                       {"id": chat_id, "first": 2, "after": end, "scope": "TREE"}, token=token)
    last = after["data"]["chat"]["messages"]["pageInfo"]["endCursor"]
    before = await both(app, graphql, monkeypatch, ONE_CHAT,
                        {"id": chat_id, "last": 3, "before": last, "scope": "TREE"},
                        token=token)
    assert [n["id"] for n in before["data"]["chat"]["messages"]["nodes"]] == \
        [n["id"] for n in messages["nodes"]] + \
        [after["data"]["chat"]["messages"]["nodes"][0]["id"]]
    # A cursor of the branch does not page the tree, and another's chat is not found.
    wrong = await both(app, graphql, monkeypatch, ONE_CHAT,
                       {"id": chat_id, "after": end, "scope": "BRANCH"}, token=token)
    assert wrong["data"] is None and wrong["errors"]
    foreign = await both(app, graphql, monkeypatch, ONE_CHAT, {"id": chats["foreign"]},
                         token=token)
    assert foreign["data"] is None
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_prepared_messages_read_only_their_columns_yet_answer_as_whole_rows(
        app, graphql, chats, monkeypatch):
    """A prefetch reads only the columns its selection needs (data/repos/messages.py);
    a message's `children` come from whole rows through a dataloader. Every message of
    the tree answers the same both ways, whichever fields are asked, one at a time (so
    each field's columns are read alone) and all together."""
    token, chat_id = chats["token"], chats["ids"][0]
    names = [*MESSAGE.split(), "fileItems", "files { id }", "sources", "error", "usage"]
    for fields in [[name] for name in names] + [names]:
        selection = " ".join(fields)
        answer = await both(app, graphql, monkeypatch, f"""query($id: ID!) {{
            chat(id: $id) {{ messages(scope: TREE) {{ nodes {{ id {selection}
              children {{ id {selection} }} }} }} }} }}""", {"id": chat_id}, token=token)
        nodes = answer["data"]["chat"]["messages"]["nodes"]
        by_id = {node["id"]: {k: v for k, v in node.items() if k != "children"}
                 for node in nodes}
        children = [child for node in nodes for child in node["children"]]
        assert len(nodes) == 6 and len(children) == 4
        for child in children:
            assert child == by_id[child["id"]]
