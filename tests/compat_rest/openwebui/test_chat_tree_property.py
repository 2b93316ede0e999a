"""Any sequence of message writes through the routes leaves `chat.chat` and the
`chat_message` rows consistent and in step (hypothesis; a new chat per example)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.compat_rest.openwebui.test_chats import new_chat
from tests.conftest import bearer
from tests.support.chats import assert_in_step

STEPS = st.lists(st.tuples(st.sampled_from(["reply", "branch", "root", "edit", "upsert_new",
                                            "delete", "bad_parent", "stale_save"]),
                           st.integers(0, 30)), min_size=1, max_size=8)


@pytest.fixture
async def owner(accounts):
    await accounts.admin()
    return (await accounts.user("owner@example.com"))["token"]


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
async def test_any_sequence_of_writes_keeps_the_chat_in_step(client, app, owner, steps):
    chat_id = (await new_chat(client, owner))["id"]
    short, v1 = f"/api/chats/{chat_id}/messages", f"/api/v1/chats/{chat_id}"
    history = await assert_in_step(app, chat_id)
    stale = None
    for number, (kind, pick) in enumerate(steps):
        ids = sorted(history["messages"])
        target = ids[pick % len(ids)] if ids else None
        if kind == "reply":
            response = await client.post(short, headers=bearer(owner), json={"content": "r"})
        elif kind == "branch" and target:
            response = await client.post(short, headers=bearer(owner),
                                         json={"content": "b", "parentId": target})
        elif kind == "root":
            response = await client.post(short, headers=bearer(owner),
                                         json={"content": "root", "parentId": None})
        elif kind == "edit" and target:
            response = await client.post(f"{v1}/messages/{target}", headers=bearer(owner),
                                         json={"content": f"edit {number}"})
        elif kind == "upsert_new":
            response = await client.post(f"{v1}/messages/new{number}", headers=bearer(owner),
                                         json={"content": "upserted"})
        elif kind == "delete" and target:
            response = await client.delete(f"{v1}/messages/{target}", headers=bearer(owner))
        elif kind == "bad_parent":
            response = await client.post(short, headers=bearer(owner),
                                         json={"content": "x", "parentId": "ghost"})
            assert response.status_code == 400
        elif kind == "stale_save" and stale is not None:
            stale["messages"][f"tab{number}"] = {
                "id": f"tab{number}", "parentId": None, "childrenIds": [], "role": "user",
                "content": "from another tab", "timestamp": 1_760_000_000 + number}
            response = await client.post(v1, headers=bearer(owner),
                                         json={"chat": {"history": stale}})
        else:
            continue
        if kind != "bad_parent":
            assert response.status_code == 200, response.text
        before = set(history["messages"])
        history = await assert_in_step(app, chat_id)
        if kind == "stale_save":  # a stale copy never loses what others wrote since
            assert before | {f"tab{number}"} <= set(history["messages"])
        stale = stale or history
