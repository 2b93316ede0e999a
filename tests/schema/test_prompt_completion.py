"""`promptCompletion`: a one-off streamed answer over WebSockets, with gql as a real
client on graphql-transport-ws, and on the legacy graphql-ws protocol."""

import asyncio
import json
import time

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.asyncio.client import connect

from tests.schema.conftest import auth
from tests.support.ai import *  # noqa: F403

ASK = gql("""
subscription Ask($input: PromptCompletionInput!) {
  promptCompletion(input: $input) {
    __typename
    ... on CompletionStarted { taskId model }
    ... on CompletionDelta { content reasoning }
    ... on CompletionDone { content reasoning finishReason
                            usage { promptTokens completionTokens totalTokens } }
    ... on CompletionFailed { message code reason partialContent }
  }
}""")
STOP = "mutation Stop($id: ID!) { stopTask(input: {taskId: $id}) { task { id stopping } } }"


def ask(**input_) -> GraphQLRequest:
    return GraphQLRequest(ASK, variable_values={"input": input_})


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


def session_for(base: str, token: str | None):
    transport = WebsocketsTransport(url=ws_url(base), subprotocols=["graphql-transport-ws"],
                                    init_payload=auth(token))
    return Client(transport=transport)


async def events(base, token, **input_) -> list[dict]:
    async with session_for(base, token) as session:
        return [e["promptCompletion"] async for e in session.subscribe(ask(**input_))]


@pytest.mark.parametrize("model", ["llama3:8b", "gpt-4o"])
async def test_deltas_then_the_whole_answer(graphql, live, upstream, model):
    token = await graphql.admin()
    upstream.script(model, chunks=4, reasoning=True)
    got = await events(live, token, model=model, prompt="Hello?", system="Be brief.",
                       temperature=0.1, maxTokens=20)
    assert [e["__typename"] for e in got] == (["CompletionStarted"] + ["CompletionDelta"] * 4
                                               + ["CompletionDone"])
    assert got[0]["model"] == model and got[0]["taskId"]
    assert [e["content"] for e in got[1:-1]] == [f"tok{i} " for i in range(4)]
    done = got[-1]
    assert done["content"] == "tok0 tok1 tok2 tok3 " and done["reasoning"] == "hmm " * 4
    assert done["finishReason"] == "stop"
    assert done["usage"] == {"promptTokens": 7, "completionTokens": 4, "totalTokens": 11}


async def test_failures_are_events_and_keep_the_partial_answer(graphql, live, upstream):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    [denied] = await events(live, user, model="llama3:8b", prompt="hi")
    assert denied["__typename"] == "CompletionFailed" and denied["code"] == "FORBIDDEN"
    [unknown] = await events(live, admin, model="nope", prompt="hi")
    assert unknown["code"] == "NOT_FOUND"
    [empty] = await events(live, admin, model="llama3:8b", prompt="  ")
    assert empty["code"] == "BAD_USER_INPUT"
    upstream.script("llama3:8b", chunks=5, close_after=3)
    broken = await events(live, admin, model="llama3:8b", prompt="hi")
    assert [e["__typename"] for e in broken][-1] == "CompletionFailed"
    assert broken[-1]["reason"] == "upstream_broken"
    assert broken[-1]["partialContent"] == "tok0 tok1 tok2 "
    upstream.script("llama3:8b", big_chunk=300 * 1024)
    big = await events(live, admin, model="llama3:8b", prompt="hi")
    assert len(big[-1]["content"]) == 300 * 1024 + len(" tail")


async def test_anonymous_subscribers_are_refused(live):
    with pytest.raises(TransportQueryError) as caught:
        await events(live, None, model="llama3:8b", prompt="hi")
    assert caught.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_stop_task_ends_the_stream_and_closes_the_upstream(graphql, live, upstream):
    token = await graphql.admin()
    upstream.script("llama3:8b", chunks=1000, delay=0.05)
    got = []
    async with session_for(live, token) as session:
        async for event in session.subscribe(ask(model="llama3:8b", prompt="hi")):
            got.append(event["promptCompletion"])
            if len(got) == 3:
                stopped = await graphql.ok(STOP, {"id": got[0]["taskId"]}, token=token)
                assert stopped["stopTask"]["task"]["stopping"] is True
                asked = time.monotonic()
    assert got[-1]["__typename"] == "CompletionFailed" and got[-1]["code"] == "STOPPED"
    assert got[-1]["partialContent"].startswith("tok0 tok1 ")
    async with asyncio.timeout(1):
        record = await upstream.stream_ended()
    assert record.closed_by_client and record.ended_at - asked < 1


async def test_unsubscribing_closes_the_upstream(graphql, live, upstream):
    token = await graphql.admin()
    upstream.script("gpt-4o", chunks=1000, delay=0.05)
    async with session_for(live, token) as session:
        async for event in session.subscribe(ask(model="gpt-4o", prompt="hi")):
            if event["promptCompletion"]["__typename"] == "CompletionDelta":
                break
        left = time.monotonic()
        async with asyncio.timeout(1):
            record = await upstream.stream_ended()
    assert record.closed_by_client and record.ended_at - left < 1


async def test_legacy_graphql_ws_streams_the_same_events(graphql, live, upstream):
    token = await graphql.admin()
    async with connect(ws_url(live), subprotocols=["graphql-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": auth(token)}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "start", "payload": {
            "query": "subscription { promptCompletion(input: {model: \"llama3:8b\", "
                     "prompt: \"hi\"}) { __typename ... on CompletionDone { content } } }"}}))
        kinds = []
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), 5))
            if message["type"] == "complete":
                break
            assert message["type"] == "data", message
            kinds.append(message["payload"]["data"]["promptCompletion"]["__typename"])
    assert kinds[0] == "CompletionStarted" and kinds[-1] == "CompletionDone"
    assert kinds.count("CompletionDelta") == 3


async def send(socket, message: dict) -> None:
    await socket.send(json.dumps(message))


async def test_transport_ws_close_codes(graphql, live, upstream):
    """4429 for a second connection_init, 4409 for a second operation with a live id,
    4400 for a message that is not the protocol's."""
    from websockets.exceptions import ConnectionClosed

    token = await graphql.admin()
    upstream.script("llama3:8b", chunks=1000, delay=0.05)
    start = {"id": "1", "type": "subscribe", "payload": {
        "query": 'subscription { promptCompletion(input: {model: "llama3:8b", prompt: "hi"}) '
                 "{ __typename } }"}}
    cases = [([{"type": "connection_init", "payload": auth(token)}], 4429),
             ([start, start], 4409), ([{"type": "nonsense"}], 4400)]
    for messages, code in cases:
        async with connect(ws_url(live), subprotocols=["graphql-transport-ws"]) as socket:
            await send(socket, {"type": "connection_init", "payload": auth(token)})
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            for message in messages:
                await send(socket, message)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd.code == code, messages
