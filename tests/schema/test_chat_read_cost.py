"""What a read of chats and messages costs besides its SQL: a request of a shape seen
before builds no statement (SQLAlchemy's cache key is the expensive part of building
one), and pages are plain rows that the session neither builds as ORM objects nor
tracks."""

from __future__ import annotations

import pytest
from sqlalchemy.sql.cache_key import HasCacheKey

from data.repos.messages import MessageRepo, MessageWindow
from data.tables import ChatMessageRow
from tests.compat_rest.openwebui.test_chats import new_chat, tree


@pytest.fixture
def keys_built(monkeypatch) -> list[object]:
    """Every statement whose cache key SQLAlchemy computes (once per statement object)."""
    built: list[object] = []
    compute = HasCacheKey._generate_cache_key

    def counted(self):
        built.append(self)
        return compute(self)

    monkeypatch.setattr(HasCacheKey, "_generate_cache_key", counted)
    return built


async def two_chats(client, accounts) -> list[str]:
    await accounts.admin()
    token = accounts.admin_token
    history = tree(("u", None, "user", "one"), ("a", "u", "assistant", "two"),
                   ("u2", "a", "user", "three"), ("b", "u", "assistant", "other branch"),
                   current="u2")
    return [(await new_chat(client, token, f"chat {n}", history))["id"] for n in range(2)]


@pytest.mark.parametrize("scope", ["branch", "tree"])
@pytest.mark.parametrize("from_end", [False, True])
async def test_a_window_of_a_known_shape_builds_no_statement(app, client, accounts, keys_built,
                                                             scope, from_end):
    chat_ids = await two_chats(client, accounts)
    async with app.state.services.sessionmaker() as session:
        repo = MessageRepo(session)
        await repo.windows(chat_ids[:1], MessageWindow(scope=scope, from_end=from_end))
        keys_built.clear()
        pages = await repo.windows(chat_ids, MessageWindow(scope=scope, from_end=from_end,
                                                           skip=1, limit=2))
        assert keys_built == []
        tracked = [obj for obj in session.identity_map.values()
                   if isinstance(obj, ChatMessageRow)]
    assert tracked == []
    expected = {("branch", False): ["a", "u2"], ("branch", True): ["u", "a"],
                ("tree", False): ["a", "u2"], ("tree", True): ["a", "u2"]}[(scope, from_end)]
    for chat_id in chat_ids:
        page = pages[chat_id]
        assert [row.id[len(chat_id) + 1:] for row in page.rows] == expected
        assert page.total == (3 if scope == "branch" else 4)
        assert page.start == (1 if (scope, from_end) != ("branch", True) else 0)
        assert all(row.chat_id == chat_id for row in page.rows)


async def test_a_page_reads_owners_and_messages_for_all_its_chats_at_once(
        client, graphql, accounts, monkeypatch):
    """Per chat, neither the one-chat read of its owner nor that of its messages runs:
    the page read them ahead (schema/prefetch.py), so no chat costs a coroutine; nor for
    `chat(id:)`, which reads them ahead for its one chat the same way. A chat that no
    query field prepared (a mutation's payload) still reads them on its own."""
    from resolvers.chats import chats, messages

    one_chat_reads: list[str] = []
    for module, name in ((chats, "get_chat_owner"), (messages, "list_messages")):
        read = getattr(module, name)

        async def counted(ctx, chat_id, *args, _read=read, _name=name):
            one_chat_reads.append(_name)
            return await _read(ctx, chat_id, *args)

        monkeypatch.setattr(module, name, counted)
    chat_ids = await two_chats(client, accounts)
    page = await graphql.ok("""{ chats(first: 10) { nodes { id owner { name }
        messages(first: 2) { totalCount nodes { id } } } } }""", token=accounts.admin_token)
    assert sorted(n["id"] for n in page["chats"]["nodes"]) == sorted(chat_ids)
    assert all(n["owner"]["name"] == "Ada Admin" and n["messages"]["totalCount"] == 3
               for n in page["chats"]["nodes"])
    assert one_chat_reads == []
    one = await graphql.ok("query($id: ID!) { chat(id: $id) { owner { name } "
                           "messages(first: 2) { totalCount } } }", {"id": chat_ids[0]},
                           token=accounts.admin_token)
    assert one["chat"]["messages"]["totalCount"] == 3
    assert one_chat_reads == []
    renamed = await graphql.ok("""mutation($id: ID!) { updateChat(input: {chatId: $id,
        title: "renamed"}) { ... on ChatPayload { chat { owner { name }
        messages(first: 2) { totalCount } } } } }""", {"id": chat_ids[0]},
                               token=accounts.admin_token)
    assert renamed["updateChat"]["chat"]["messages"]["totalCount"] == 3
    assert sorted(one_chat_reads) == ["get_chat_owner", "list_messages"]


async def test_window_rows_read_like_orm_rows(app, client, accounts):
    """Every column of a window's plain rows, the JSON ones decoded on first read, reads
    as the ORM's ChatMessageRow does: strings, block lists, objects, nulls."""
    from sqlalchemy import select

    await accounts.admin()
    history = tree(("u", None, "user", "plain text"), ("a", "u", "assistant", "answer"))
    history["messages"]["u"]["content"] = [{"type": "text", "text": "blocks"}]
    history["messages"]["a"].update(usage={"tokens": 3}, error={"content": "late"},
                                    files=[{"id": "f"}], model="m", done=True)
    chat_id = (await new_chat(client, accounts.admin_token, "json", history))["id"]
    async with app.state.services.sessionmaker() as session:
        page = (await MessageRepo(session).windows(
            [chat_id], MessageWindow(scope="tree")))[chat_id]
        stored = {row.id: row for row in (await session.execute(
            select(ChatMessageRow).where(ChatMessageRow.chat_id == chat_id))).scalars()}
        assert len(page.rows) == len(stored) == 2
        for row in page.rows:
            for key in (c.key for c in ChatMessageRow.__table__.columns):
                assert getattr(row, key) == getattr(stored[row.id], key), key
                assert getattr(row, key) == getattr(stored[row.id], key), key  # again



async def test_pages_of_chats_and_messages_read_past_the_orm(app, client, accounts):
    """Neither page builds ORM objects, so neither goes through the ORM's execute (its
    compile state and result machinery): SQLAlchemy's do_orm_execute hook never fires."""
    from sqlalchemy import event

    from data.repos.chats import ChatListing, ChatRepo

    chat_ids = await two_chats(client, accounts)
    async with app.state.services.sessionmaker() as session:
        through_orm: list[object] = []
        event.listen(session.sync_session, "do_orm_execute", through_orm.append)
        pages = await MessageRepo(session).windows(chat_ids, MessageWindow())
        repo = ChatRepo(session)
        listed = await repo.page(ChatListing(user_id=pages[chat_ids[0]].rows[0].user_id))
        found = await repo.by_ids(chat_ids)
        assert through_orm == []
    assert sorted(c.id for c in listed) == sorted(c.id for c in found) == sorted(chat_ids)
    assert all(page.total == 3 for page in pages.values())
