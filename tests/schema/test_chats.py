"""Chats over GraphQL: the connection and its filters, messages along a branch or the
whole tree, parent/children, mutations and their result unions, and refusals."""

import pytest

from tests.compat_rest.openwebui.test_chats import make_folder
from tests.schema.conftest import error_codes
from tests.support.chats import assert_in_step, stored

CREATE = """
mutation Create($input: CreateChatInput!) {
  createChat(input: $input) {
    __typename
    ... on ChatPayload { chat { id title pinned tags { id name } owner { email } } }
    ... on MutationError { message code }
    ... on InvalidChatInput { field }
  }
}"""
ADD = """
mutation Add($input: AddMessageInput!) {
  addMessage(input: $input) {
    __typename
    ... on MessagePayload {
      chatMessage { id role content parentId status } chat { currentMessageId }
    }
    ... on MutationError { message code }
    ... on InvalidChatInput { field }
  }
}"""
CHATS = """
query Chats($first: Int, $after: String, $filter: ChatFilter, $orderBy: ChatOrder) {
  chats(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    nodes { id title archived pinned }
    pageInfo { hasNextPage endCursor }
  }
}"""
MESSAGES = """
query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
               $scope: MessageScope) {
  chat(id: $id) {
    messages(first: $first, after: $after, last: $last, before: $before, scope: $scope) {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""


class Chats:
    def __init__(self, graphql, token):
        self.graphql, self.token = graphql, token

    async def create(self, **fields) -> str:
        data = await self.graphql.ok(CREATE, {"input": fields}, token=self.token)
        assert data["createChat"]["__typename"] == "ChatPayload", data
        return data["createChat"]["chat"]["id"]

    async def add(self, chat_id, content, **fields) -> dict:
        data = await self.graphql.ok(ADD, {"input": {"chatId": chat_id, "content": content,
                                                     **fields}}, token=self.token)
        return data["addMessage"]

    async def ids(self, chat_id, **variables) -> tuple[list[str], dict]:
        data = await self.graphql.ok(MESSAGES, {"id": chat_id, **variables}, token=self.token)
        page = data["chat"]["messages"]
        return [e["node"]["id"] for e in page["edges"]], page


@pytest.fixture
async def people(graphql):
    admin = await graphql.admin()
    owner = await graphql.add_user(admin, "owner@example.com")
    other = await graphql.add_user(admin, "other@example.com")
    return admin, Chats(graphql, owner["token"]), Chats(graphql, other["token"])


async def test_create_and_list_with_filters_and_cursors(graphql, people):
    _, mine, theirs = people
    data = await graphql.ok(CREATE, {"input": {"title": "Tagged", "tags": ["Deep Work"],
                                               "pinned": True}}, token=mine.token)
    chat = data["createChat"]["chat"]
    assert chat["tags"] == [{"id": "deep_work", "name": "Deep Work"}] and chat["pinned"]
    assert chat["owner"] == {"email": "owner@example.com"}
    for i in range(4):
        await mine.create(title=f"Plain {i}")
    await theirs.create(title="Not mine")
    seen, after = [], None
    while True:
        page = (await graphql.ok(CHATS, {"first": 2, "after": after,
                                         "orderBy": {"field": "TITLE", "direction": "ASC"}},
                                 token=mine.token))["chats"]
        assert page["totalCount"] == 5
        seen += [n["title"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == ["Plain 0", "Plain 1", "Plain 2", "Plain 3", "Tagged"]
    # Without totalCount nothing is counted; one extra row still tells if a page follows.
    lean = "query($first: Int) { chats(first: $first) { nodes { id } pageInfo { hasNextPage } } }"
    for first, more in ((5, False), (4, True), (0, True)):
        page = (await graphql.ok(lean, {"first": first}, token=mine.token))["chats"]
        assert len(page["nodes"]) == first and page["pageInfo"]["hasNextPage"] is more
    counted = await graphql.ok("{ chats(first: 1) { ... on ChatConnection { totalCount } } }",
                               token=mine.token)
    assert counted["chats"]["totalCount"] == 5
    by_tag = await graphql.ok(CHATS, {"filter": {"tag": "deep work"}}, token=mine.token)
    assert [n["title"] for n in by_tag["chats"]["nodes"]] == ["Tagged"]
    pinned = await graphql.ok(CHATS, {"filter": {"pinned": False}}, token=mine.token)
    assert pinned["chats"]["totalCount"] == 4
    searched = await graphql.ok(CHATS, {"filter": {"search": "plain 3"}}, token=mine.token)
    assert [n["title"] for n in searched["chats"]["nodes"]] == ["Plain 3"]


async def test_messages_along_the_branch_and_across_the_tree(graphql, people):
    _, mine, _ = people
    chat_id = await mine.create(title="Tree")
    added = await mine.add(chat_id, "Q", id="q")
    assert added["chatMessage"] == {"id": "q", "role": "user", "content": "Q", "parentId": None,
                                "status": "DONE"}
    for i in range(1, 6):
        await mine.add(chat_id, f"turn {i}", id=f"m{i}",
                       role="assistant" if i % 2 else "user")
    alternative = await mine.add(chat_id, "Q again", id="q2", parentId=None)
    assert alternative["chat"]["currentMessageId"] == "q2"
    assert (await mine.ids(chat_id))[0] == ["q2"]
    switch = await graphql.ok("mutation($i: MessageRefInput!) { switchBranch(input: $i) { "
                              "... on ChatPayload { chat { currentMessageId } } } }",
                              {"i": {"chatId": chat_id, "messageId": "m2"}}, token=mine.token)
    assert switch["switchBranch"]["chat"]["currentMessageId"] == "m5"

    ids, page = await mine.ids(chat_id, first=2)
    assert ids == ["q", "m1"] and page["totalCount"] == 6
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]
    ids, page = await mine.ids(chat_id, first=10, after=page["pageInfo"]["endCursor"])
    assert ids == ["m2", "m3", "m4", "m5"] and not page["pageInfo"]["hasNextPage"]
    ids, page = await mine.ids(chat_id, last=2)
    assert ids == ["m4", "m5"] and page["pageInfo"]["hasPreviousPage"]
    ids, _ = await mine.ids(chat_id, last=3, before=page["pageInfo"]["startCursor"])
    assert ids == ["m1", "m2", "m3"]
    # The whole tree is in creation order (seconds, as Open WebUI stores them; ties by id).
    ids, page = await mine.ids(chat_id, scope="TREE")
    assert sorted(ids) == ["m1", "m2", "m3", "m4", "m5", "q", "q2"]
    assert page["totalCount"] == 7
    later, _ = await mine.ids(chat_id, scope="TREE", first=3,
                              after=page["edges"][3]["cursor"])
    assert later == ids[4:]
    assert (await mine.ids(chat_id, first=0))[1]["totalCount"] == 6

    family = await graphql.ok(
        'query($id: ID!) { chat(id: $id) { message(id: "m1") { parent { id } children { id } '
        'parent { children { id } } } } }', {"id": chat_id}, token=mine.token)
    assert family["chat"]["message"]["parent"] == {"id": "q", "children": [{"id": "m1"}]}
    assert family["chat"]["message"]["children"] == [{"id": "m2"}]


async def test_bad_cursors_and_page_sizes_are_bad_user_input(graphql, people):
    _, mine, _ = people
    chat_id = await mine.create(title="x")
    _, page = await mine.ids(chat_id)
    chat_cursor = (await graphql.ok(CHATS, {"first": 1}, token=mine.token)
                   )["chats"]["pageInfo"]["endCursor"]
    for variables in ({"after": chat_cursor}, {"after": "garbage"}, {"first": 201},
                      {"first": 1, "last": 1}, {"last": -1}, {"scope": "TREE",
                                                               "before": chat_cursor}):
        body = await graphql(MESSAGES, {"id": chat_id, **variables}, token=mine.token)
        assert error_codes(body) == ["BAD_USER_INPUT"], variables
    body = await graphql(CHATS, {"first": 500}, token=mine.token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await graphql(CHATS, {"after": "bm9wZTox"}, token=mine.token)
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_mutations_change_the_chat_and_keep_the_tree_in_step(graphql, app, people):
    _, mine, _ = people
    chat_id = await mine.create(title="Work")
    await mine.add(chat_id, "Q", id="q")
    await mine.add(chat_id, "A", id="a", role="assistant", model="llama", done=False)
    edited = await graphql.ok(
        "mutation($i: EditMessageInput!) { editMessage(input: $i) { __typename "
        "... on MessagePayload { chatMessage { content status model usage } } } }",
        {"i": {"chatId": chat_id, "messageId": "a", "content": "A!", "done": True,
               "usage": {"total_tokens": 3}}}, token=mine.token)
    assert edited["editMessage"]["chatMessage"] == {"content": "A!", "status": "DONE",
                                                "model": "llama", "usage": {"total_tokens": 3}}
    changes = [("updateChat", "UpdateChatInput", {"title": "Renamed"}),
               ("archiveChat", "ArchiveChatInput", {"archived": True}),
               ("pinChat", "PinChatInput", {}), ("tagChat", "TagChatInput", {"name": "t1"}),
               ("untagChat", "TagChatInput", {"name": "t1"}),
               ("shareChat", "ChatIdInput", {})]
    for field, kind, extra in changes:
        data = await graphql.ok(
            f"mutation($i: {kind}!) {{ {field}(input: $i) {{ __typename "
            "... on ChatPayload { chat { title archived pinned shareId tags { id } } } } }",
            {"i": {"chatId": chat_id, **extra}}, token=mine.token)
        assert data[field]["__typename"] == "ChatPayload", data
    chat = data["shareChat"]["chat"]
    assert chat["title"] == "Renamed" and chat["archived"] and chat["pinned"]
    assert chat["tags"] == [] and chat["shareId"]
    shared = await graphql.ok('query($s: ID!) { sharedChat(shareId: $s) { title messages { id '
                              'content } } }', {"s": chat["shareId"]}, token=mine.token)
    assert shared["sharedChat"]["messages"] == [{"id": "q", "content": "Q"},
                                                {"id": "a", "content": "A!"}]
    deleted = await graphql.ok(
        "mutation($i: MessageRefInput!) { deleteMessage(input: $i) { __typename "
        "... on DeleteMessagePayload { deletedMessageIds chat { currentMessageId } } } }",
        {"i": {"chatId": chat_id, "messageId": "q"}}, token=mine.token)
    assert deleted["deleteMessage"]["deletedMessageIds"] == ["q", "a"]
    await assert_in_step(app, chat_id)
    gone = await graphql.ok("mutation($i: ChatIdInput!) { deleteChat(input: $i) { __typename "
                            "... on DeleteChatPayload { deletedChatId } } }",
                            {"i": {"chatId": chat_id}}, token=mine.token)
    assert gone["deleteChat"]["deletedChatId"] == chat_id


async def test_expected_failures_are_union_members_and_write_nothing(graphql, app, people):
    _, mine, theirs = people
    chat_id = await mine.create(title="Mine")
    await mine.add(chat_id, "secret", id="q")
    before = await stored(app, chat_id)
    cases = [(theirs, {"chatId": chat_id, "content": "x"}, "ChatNotFound"),
             (mine, {"chatId": chat_id, "content": "x", "parentId": "ghost"},
              "InvalidChatInput"),
             (mine, {"chatId": chat_id, "content": "x", "id": "q"}, "MessageIdTaken"),
             (mine, {"chatId": chat_id, "content": "x" * (4 * 1024 * 1024 + 1)},
              "InvalidChatInput"),
             (mine, {"chatId": "no-such-chat", "content": "x"}, "ChatNotFound")]
    for who, values, failure in cases:
        result = await who.add(values.pop("chatId"), values.pop("content"), **values)
        assert result["__typename"] == failure, result
        assert "secret" not in str(result)
    long_title = await graphql.ok(CREATE, {"input": {"title": "t" * 1001}}, token=mine.token)
    assert long_title["createChat"]["__typename"] == "InvalidChatInput"
    assert long_title["createChat"]["field"] == "title"
    # A failing tag rolls back the chat created before it in the same mutation.
    bad_tag = await graphql.ok(CREATE, {"input": {"title": "ok", "tags": ["None"]}},
                               token=mine.token)
    assert bad_tag["createChat"]["__typename"] == "InvalidChatInput"
    listed = await graphql.ok(CHATS, {}, token=mine.token)
    assert [n["title"] for n in listed["chats"]["nodes"]] == ["Mine"]
    for field, kind in [("deleteChat", "ChatIdInput"), ("pinChat", "PinChatInput"),
                        ("shareChat", "ChatIdInput")]:
        data = await graphql.ok(f"mutation($i: {kind}!) {{ {field}(input: $i) "
                                "{ __typename } }", {"i": {"chatId": chat_id}},
                                token=theirs.token)
        assert data[field]["__typename"] == "ChatNotFound"
    for query in ("query($id: ID!) { chat(id: $id) { title } }",
                  "query($id: ID!) { sharedChat(shareId: $id) { title } }"):
        body = await graphql(query, {"id": chat_id}, token=theirs.token)
        assert error_codes(body) == ["NOT_FOUND"] and body["data"] is None
    assert (await graphql.ok(CHATS, {}, token=theirs.token))["chats"]["totalCount"] == 0
    assert await stored(app, chat_id) == before


async def test_anonymous_callers_are_unauthenticated(graphql):
    body = await graphql(CHATS, {})
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_folders_are_the_owners_own(graphql, app, people):
    _, mine, theirs = people
    me = (await graphql.ok("{ viewer { id } }", token=mine.token))["viewer"]["id"]
    them = (await graphql.ok("{ viewer { id } }", token=theirs.token))["viewer"]["id"]
    mine_folder, their_folder = await make_folder(app, me), await make_folder(app, them)
    chat_id = await mine.create(title="Filed", tags=["work"])
    move = ("mutation($i: UpdateChatInput!) { updateChat(input: $i) { __typename "
            "... on ChatPayload { chat { folderId folder { name } meta } } } }")
    refused = await graphql.ok(move, {"i": {"chatId": chat_id, "folderId": their_folder}},
                               token=mine.token)
    assert refused["updateChat"]["__typename"] == "FolderNotFound"
    moved = await graphql.ok(move, {"i": {"chatId": chat_id, "folderId": mine_folder}},
                             token=mine.token)
    assert moved["updateChat"]["chat"] == {"folderId": mine_folder, "folder": {"name": "Work"},
                                           "meta": {"tags": ["work"]}}
    renamed = await graphql.ok(move, {"i": {"chatId": chat_id, "title": "Renamed"}},
                               token=mine.token)
    assert renamed["updateChat"]["chat"]["folderId"] == mine_folder  # left out: unchanged
    cleared = await graphql.ok(move, {"i": {"chatId": chat_id, "folderId": None}},
                               token=mine.token)
    assert cleared["updateChat"]["chat"]["folder"] is None
