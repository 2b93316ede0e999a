"""Filters' `inlet` on GraphQL completions (SQLite and PostgreSQL), as on REST's unified
route: a global filter's inlet edits what the scripted upstream receives from
`startChatCompletion` (in a chat, or opening one), `promptCompletion` and
`startCompletion`, while the chat keeps the message as it was written; a failing inlet
refuses the completion, with nothing written and the upstream never asked."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.schema.test_chat_answers import START, new_chat
from tests.schema.test_completion_tasks import follow
from tests.schema.test_completion_tasks import start as start_task
from tests.schema.test_prompt_completion import events
from tests.support.ai import live, upstream, upstream_env  # noqa: F401 (fixtures)
from tests.support.chats import stored
from tests.support.functions import LIMITS, V1, create, source

BROKEN_INLET = "class Filter:\n    def inlet(self, body):\n        return body['missing']\n"


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:  # noqa: F811
    return upstream_env(upstream) | LIMITS


def _sent(upstream) -> list[str]:  # noqa: F811
    return [r.body["messages"][-1]["content"] for r in upstream.requests
            if r.path.endswith("/chat/completions")]


async def _global_filter(client, token, function_id, content):
    await create(client, bearer(token), function_id, content)
    toggled = await client.post(f"{V1}/id/{function_id}/toggle/global", headers=bearer(token))
    assert toggled.json()["is_global"] is True


async def _chat_ids(client, token) -> list[str]:
    listed = await client.get("/api/v1/chats/", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    return [c["id"] for c in listed.json()]


async def test_inlet_edits_what_a_chat_completion_sends(app, client, graphql, live,  # noqa: F811
                                                         upstream):  # noqa: F811
    token = await graphql.admin()
    await _global_filter(client, token, "tag_filter", source("tag_filter"))
    chat_id = await new_chat(client, token)
    started = (await graphql.ok(START, {"input": {"chatId": chat_id, "model": "gpt-4o",
                                                  "content": "hi"}}, token=token)
               )["startChatCompletion"]
    assert started["__typename"] == "ChatCompletionPayload", started
    assert started["userMessage"]["content"] == "hi"  # the chat keeps what was written
    got = await follow(live, token, started["task"]["id"])
    assert got[-1]["__typename"] == "CompletionDone", got
    assert _sent(upstream) == ["hi [tagged]"]
    _, rows = await stored(app, chat_id)
    assert rows[started["userMessage"]["id"]].content == "hi"


async def test_inlet_edits_what_a_new_chat_sends(client, graphql, live, upstream):  # noqa: F811
    token = await graphql.admin()
    await _global_filter(client, token, "tag_filter", source("tag_filter"))
    started = (await graphql.ok(START, {"input": {"model": "gpt-4o", "content": "hello"}},
                                token=token))["startChatCompletion"]
    assert started["__typename"] == "ChatCompletionPayload", started
    got = await follow(live, token, started["task"]["id"])
    assert got[-1]["__typename"] == "CompletionDone", got
    assert _sent(upstream) == ["hello [tagged]"]


async def test_inlet_edits_what_a_prompt_completion_sends(client, graphql, live,  # noqa: F811
                                                          upstream):  # noqa: F811
    token = await graphql.admin()
    await _global_filter(client, token, "tag_filter", source("tag_filter"))
    got = await events(live, token, model="gpt-4o", prompt="Hello?")
    assert got[-1]["__typename"] == "CompletionDone", got
    assert _sent(upstream) == ["Hello? [tagged]"]


async def test_inlet_edits_what_a_started_completion_sends(client, graphql, live,  # noqa: F811
                                                           upstream):  # noqa: F811
    token = await graphql.admin()
    await _global_filter(client, token, "tag_filter", source("tag_filter"))
    got = await follow(live, token, await start_task(graphql, token, "gpt-4o", "Hey"))
    assert got[-1]["__typename"] == "CompletionDone", got
    assert _sent(upstream) == ["Hey [tagged]"]


async def test_a_failing_inlet_refuses_a_chat_completion(app, client, graphql,
                                                         upstream):  # noqa: F811
    token = await graphql.admin()
    await _global_filter(client, token, "bad_filter", BROKEN_INLET)
    chat_id = await new_chat(client, token)
    before = await stored(app, chat_id)
    refused = await graphql(START, {"input": {"chatId": chat_id, "model": "gpt-4o",
                                              "content": "hi"}}, token=token)
    assert refused["errors"][0]["extensions"]["code"] == "UPSTREAM_FAILED", refused
    assert "KeyError" in refused["errors"][0]["message"]
    assert await stored(app, chat_id) == before
    # Opening a chat: no chat is left behind.
    refused = await graphql(START, {"input": {"model": "gpt-4o", "content": "hi"}},
                            token=token)
    assert refused["errors"][0]["extensions"]["code"] == "UPSTREAM_FAILED", refused
    assert await _chat_ids(client, token) == [chat_id]
    assert _sent(upstream) == []


async def test_a_failing_inlet_refuses_a_prompt_completion(client, graphql, live,  # noqa: F811
                                                           upstream):  # noqa: F811
    token = await graphql.admin()
    await _global_filter(client, token, "bad_filter", BROKEN_INLET)
    got = await events(live, token, model="gpt-4o", prompt="Hello?")
    assert [e["__typename"] for e in got] == ["CompletionFailed"], got
    assert got[0]["code"] == "UPSTREAM_FAILED" and "KeyError" in got[0]["message"]
    assert _sent(upstream) == []
