"""The collection access rules of rest-ai.md §8.2 on SQLite and PostgreSQL: names checked
for everyone, `knowledge-bases` never usable, files by file access, knowledge bases by
their grants, memories and web searches by their owner's id, anything else only for
admins (or everyone with ENABLE_RETRIEVAL_UNSCOPED_COLLECTIONS), and every spelling a
store could take for the same collection checked, any denial winning."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import event

from resolvers.context import Context, Credentials
from resolvers.errors import Forbidden, Invalid
from resolvers.permissions import require_verified
from resolvers.retrieval.access import denied_collections, readable_collections, spellings
from tests.support.files import upload, wait_processed
from tests.support.retrieval import make_knowledge

SHA = hashlib.sha256(b"some text").hexdigest()


@pytest.fixture
def env_overrides(request) -> dict[str, str]:
    return getattr(request, "param", {})


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    alice = await accounts.user("alice@example.com")
    bob = await accounts.user("bob@example.com")
    return {"admin": admin, "alice": alice, "bob": bob}


async def denied(app, who: dict, names, permission: str = "read") -> list[str]:
    ctx = Context(app.state.services, Credentials(bearer=who["token"]))
    async with ctx.unit_of_work():
        return await denied_collections(ctx, await require_verified(ctx), names, permission)


async def readable(app, who: dict, names, permission: str = "read") -> list[str]:
    ctx = Context(app.state.services, Credentials(bearer=who["token"]))
    async with ctx.unit_of_work():
        return await readable_collections(ctx, await require_verified(ctx), names, permission)


def test_spellings_cover_what_stores_normalise():
    assert {"file-ab12", "File_AB12".lower().replace("_", "-")} <= spellings("File_AB12")
    assert "3f00" in spellings("c3f00") and "c3f00" in spellings("3f00")
    assert "knowledge-bases" in spellings("_Knowledge_Bases_")
    assert "cat" in spellings("cat") and "at" not in spellings("cat")


@pytest.mark.parametrize("name", ["", "a b", "../x", "a/b", "x\x00", "é", "a" * 256, "a.b",
                                  7, None])
async def test_bad_names_are_refused_even_for_admins(app, people, name):
    for who in ("admin", "alice"):
        with pytest.raises(Invalid) as caught:
            await denied(app, people[who], [name])
        assert caught.value.status == 400
    with pytest.raises(Invalid):
        await denied(app, people["admin"], "file-x")  # a string is not a list of names
    with pytest.raises(Invalid):
        await denied(app, people["admin"], [])


@pytest.mark.parametrize("name", ["knowledge-bases", "Knowledge-Bases", "knowledge_bases",
                                  "KNOWLEDGE_BASES", "-knowledge-bases-"])
async def test_the_system_collection_is_never_usable(app, people, name):
    assert await denied(app, people["admin"], [name]) == [name]
    assert await denied(app, people["alice"], [name], "write") == [name]
    with pytest.raises(Forbidden) as caught:
        await readable(app, people["admin"], ["file-x", name])
    assert caught.value.status == 403 and name in caught.value.message


async def test_admins_may_use_any_well_formed_name(app, people):
    names = ["file-nope", "user-memory-someone", "web-search-x-y", SHA, "anything", "K_1"]
    assert await denied(app, people["admin"], names, "write") == []
    assert await readable(app, people["admin"], names + ["anything"]) == names


async def test_file_collections_follow_file_access(app, client, people):
    alice, bob = people["alice"], people["bob"]
    mine = (await upload(client, alice["token"], "notes.txt", b"alpha beta"))["id"]
    assert await denied(app, alice, [f"file-{mine}"], "write") == []
    # Spellings a store maps to the same collection are alice's too.
    assert await denied(app, alice, [f"File-{mine}", f"file_{mine}".upper()]) == []
    for name in (f"file-{mine}", f"FILE_{mine}", f"-file-{mine}"):
        assert await denied(app, bob, [name]) == [name]
    assert await denied(app, bob, ["file-missing"]) == ["file-missing"]
    assert await denied(app, people["admin"], [f"file-{mine}"], "write") == []


async def test_knowledge_collections_follow_their_grants(app, people):
    alice, bob = people["alice"], people["bob"]
    private = await make_knowledge(app, alice["id"])
    shared = await make_knowledge(app, alice["id"], ("user", bob["id"], "read"))
    everyone = await make_knowledge(app, alice["id"], ("user", "*", "write"))
    assert await denied(app, alice, [private, shared, everyone], "write") == []
    assert await denied(app, bob, [private, shared, everyone]) == [private]
    assert await denied(app, bob, [shared, everyone], "write") == [shared]
    # Another spelling of a collection bob may not read is denied too.
    assert await denied(app, bob, [private.upper(), private.replace("-", "_")]) == \
        [private.upper(), private.replace("-", "_")]


async def test_a_store_prefix_spelling_is_checked_both_ways(app, people):
    alice, bob = people["alice"], people["bob"]
    digit_first = await make_knowledge(app, alice["id"],
                                       knowledge_id="7c6b3a52-0000-4000-8000-000000000001")
    c_first = await make_knowledge(app, alice["id"], ("user", bob["id"], "read"),
                                   knowledge_id="c1b3a52e-0000-4000-8000-000000000002")
    # "c7c6b..." is where a store keeps "7c6b...": bob may not reach it that way.
    assert await denied(app, bob, [f"c{digit_first}"]) == [f"c{digit_first}"]
    assert await denied(app, alice, [f"c{digit_first}"]) == []
    # A readable id starting with c and a digit is not denied by the spelling without c.
    assert await denied(app, bob, [c_first]) == []


async def test_memories_and_web_searches_belong_to_their_user(app, people):
    alice, bob = people["alice"], people["bob"]
    own = [f"user-memory-{alice['id']}", f"web-search-{alice['id']}-0f3a",
           f"Web_Search_{alice['id']}_Q"]
    assert await denied(app, alice, own, "write") == []
    others = [f"user-memory-{bob['id']}", f"User_Memory_{bob['id']}",
              f"web-search-{bob['id']}-0f3a", f"web-search-{alice['id']}", "web-search-x"]
    assert await denied(app, alice, others) == others


async def test_unscoped_names_are_for_admins_only_by_default(app, people):
    names = [SHA, f"c{SHA}", "my-notes", "Handbook"]
    assert await denied(app, people["alice"], names) == names
    with pytest.raises(Forbidden):
        await readable(app, people["alice"], [SHA])


@pytest.mark.parametrize("env_overrides", [{"ENABLE_RETRIEVAL_UNSCOPED_COLLECTIONS": "true"}],
                         indirect=True)
async def test_unscoped_collections_opened_to_everyone(app, people):
    alice, bob = people["alice"], people["bob"]
    private = await make_knowledge(app, bob["id"])
    assert await readable(app, alice, [SHA, "my-notes"]) == [SHA, "my-notes"]
    # The protected names stay protected.
    protected = ["knowledge-bases", private, f"user-memory-{bob['id']}", "file-missing"]
    assert await denied(app, alice, protected) == protected


async def test_any_denial_among_many_names_wins(app, client, people):
    alice = people["alice"]
    mine = (await upload(client, alice["token"], "a.txt", b"alpha"))["id"]
    kb = await make_knowledge(app, alice["id"])
    names = [f"file-{mine}", kb, f"file-{mine}"]
    assert await readable(app, alice, names) == [f"file-{mine}", kb]
    with pytest.raises(Forbidden) as caught:
        await readable(app, alice, [*names, "knowledge-bases", SHA])
    assert "knowledge-bases" in caught.value.message


async def test_the_checks_cost_a_constant_number_of_statements(app, client, people):
    alice = people["alice"]
    kbs = [await make_knowledge(app, people["bob"]["id"], ("user", "*", "read"))
           for _ in range(12)]
    files = [(await upload(client, alice["token"], f"{i}.txt", b"x"))["id"]
             for i in range(12)]
    for file_id in files:  # no background processing writes while statements are counted
        await wait_processed(client, alice["token"], file_id)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.state.services.engine.sync_engine
    counts = []
    for size in (2, 12):
        names = [*kbs[:size], *(f"file-{f}" for f in files[:size])]
        ctx = Context(app.state.services, Credentials(bearer=alice["token"]))
        async with ctx.unit_of_work():
            viewer = await require_verified(ctx)
            event.listen(engine, "before_cursor_execute", record)
            try:
                statements.clear()
                assert await denied_collections(ctx, viewer, names) == []
            finally:
                event.remove(engine, "before_cursor_execute", record)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6, (counts, statements)  # BEGIN included
