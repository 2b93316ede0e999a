"""Pipe models on GraphQL (SQLite and PostgreSQL): `startChatCompletion` keeps the pipe's
answer in the chat and `chatCompletion` follows it; `promptCompletion` streams the pipe's
pieces one delta per piece, as it yields them."""

from __future__ import annotations

import pytest

from tests.schema.test_chat_answers import messages, new_chat
from tests.schema.test_completion_tasks import follow
from tests.schema.test_prompt_completion import events
from tests.support.ai import live  # noqa: F401 (fixture)
from tests.support.chats import assert_in_step
from tests.support.functions import LIMITS, source

CREATE = """mutation Create($input: FunctionInput!) {
  createFunction(input: $input) { function { id } } }"""
TOGGLE = """mutation T($id: ID!) { toggleFunction(input: {id: $id}) { function { isActive } } }"""
START = """mutation Start($input: ChatCompletionInput!) {
  startChatCompletion(input: $input) {
    __typename
    ... on ChatCompletionPayload { task { id } assistantMessage { id model } }
    ... on MutationError { code message } } }"""

# One word at a time, a pause after each: a follower sees them arrive one by one.
PACED_PIPE = '''
import time


class Pipe:
    def pipe(self, body):
        for word in body["messages"][-1]["content"].split():
            yield word + " "
            time.sleep(0.1)
'''


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return dict(LIMITS)


async def _pipe(graphql, token, function_id, content):
    await graphql.ok(CREATE, {"input": {"id": function_id, "name": function_id,
                                        "content": content}}, token=token)
    await graphql.ok(TOGGLE, {"id": function_id}, token=token)


async def test_start_chat_completion_keeps_the_pipe_answer(app, client, graphql, live):  # noqa: F811
    token = await graphql.admin()
    await _pipe(graphql, token, "word_pipe", source("word_pipe"))
    chat_id = await new_chat(client, token)
    started = (await graphql.ok(START, {"input": {
        "chatId": chat_id, "model": "word_pipe", "content": "one two three"}},
        token=token))["startChatCompletion"]
    assert started["__typename"] == "ChatCompletionPayload", started
    got = await follow(live, token, started["task"]["id"])
    assert got[-1]["__typename"] == "CompletionDone"
    assert got[-1]["content"] == ">one >two >three "
    answer_id = started["assistantMessage"]["id"]
    saved = (await messages(graphql, token, chat_id))[answer_id]
    assert saved["status"] == "DONE" and saved["content"] == ">one >two >three "
    assert saved["model"] == "word_pipe"
    await assert_in_step(app, chat_id)


async def test_prompt_completion_streams_the_pipe_piece_by_piece(graphql, live):  # noqa: F811
    token = await graphql.admin()
    await _pipe(graphql, token, "paced_pipe", PACED_PIPE)
    got = await events(live, token, model="paced_pipe", prompt="alpha beta gamma delta")
    kinds = [e["__typename"] for e in got]
    assert kinds == ["CompletionStarted", *["CompletionDelta"] * 4, "CompletionDone"]
    assert [e["content"] for e in got[1:5]] == ["alpha ", "beta ", "gamma ", "delta "]
    assert got[-1]["content"] == "alpha beta gamma delta "


async def test_a_pipe_the_caller_may_not_use_is_refused(client, graphql, live):  # noqa: F811
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    await _pipe(graphql, admin, "word_pipe", source("word_pipe"))
    got = await events(live, user, model="word_pipe", prompt="hello")
    assert [e["__typename"] for e in got] == ["CompletionFailed"]
    chat_id = await new_chat(client, user)
    before = await messages(graphql, user, chat_id)
    refused = (await graphql.ok(START, {"input": {
        "chatId": chat_id, "model": "word_pipe", "content": "hi"}},
        token=user))["startChatCompletion"]
    assert refused["__typename"] != "ChatCompletionPayload"
    assert await messages(graphql, user, chat_id) == before


UPPER = '''
class Filter:
    def stream(self, event):
        delta = event["choices"][0]["delta"]
        delta["content"] = delta.get("content", "").upper()
        return event
'''
GLOBAL = """mutation G($id: ID!) {
  toggleFunctionGlobal(input: {id: $id}) { function { isGlobal } } }"""


async def test_a_filter_stream_hook_changes_each_delta(graphql, live):  # noqa: F811
    token = await graphql.admin()
    await _pipe(graphql, token, "paced_pipe", PACED_PIPE)
    await _pipe(graphql, token, "upper", UPPER)
    await graphql.ok(GLOBAL, {"id": "upper"}, token=token)
    got = await events(live, token, model="paced_pipe", prompt="alpha beta")
    assert [e.get("content") for e in got[1:]] == ["ALPHA ", "BETA ", "ALPHA BETA "]
