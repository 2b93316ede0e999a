"""Completions as tasks in one process (memory:// pub/sub): `startCompletion` (or POST
/api/tasks) runs the upstream once; `chatCompletion(taskId:)` followers, early or late,
all read the same answer; stopping ends it for everyone with the partial text."""

import asyncio

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from data.pubsub import completion_channel
from resolvers.completions.tasks import Transcript
from resolvers.tasks.registry import COMPLETION, prepare
from tests.conftest import bearer
from tests.schema.conftest import auth
from tests.support.ai import *  # noqa: F403

START = """mutation Start($input: StartCompletionInput!) {
  startCompletion(input: $input) { task { id kind model route } } }"""
FOLLOW = gql("""subscription Follow($id: ID!) {
  chatCompletion(taskId: $id) {
    __typename
    ... on CompletionDelta { content }
    ... on CompletionDone { content finishReason usage { completionTokens } chatId messageId }
    ... on CompletionFailed { code reason partialContent chatId messageId }
  } }""")


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


async def follow(base: str, token: str, task_id: str, *, stop_after: int | None = None,
                 joined: asyncio.Event | None = None) -> list[dict]:
    transport = WebsocketsTransport(url=ws_url(base), subprotocols=["graphql-transport-ws"],
                                    init_payload=auth(token))
    got = []
    async with Client(transport=transport) as session:
        request = GraphQLRequest(FOLLOW, variable_values={"id": task_id})
        async for event in session.subscribe(request):
            got.append(event["chatCompletion"])
            if joined is not None and not joined.is_set():
                joined.set()
            if stop_after is not None and len(got) == stop_after:
                break
    return got


async def start(graphql, token, model="llama3:8b", prompt="hi") -> str:
    data = await graphql.ok(START, {"input": {"model": model, "prompt": prompt}}, token=token)
    assert data["startCompletion"]["task"]["kind"] == "COMPLETION"
    return data["startCompletion"]["task"]["id"]


async def test_early_and_late_followers_read_one_answer(graphql, live, upstream):
    token = await graphql.admin()
    upstream.script("llama3:8b", chunks=40, delay=0.02)
    task_id = await start(graphql, token)
    early = asyncio.ensure_future(follow(live, token, task_id))
    await upstream.pieces_sent(20)  # half the answer exists before the late one joins
    late = await follow(live, token, task_id)
    early = await early
    whole = "".join(f"tok{i} " for i in range(40))
    for events in (early, late):
        assert events[-1]["__typename"] == "CompletionDone"
        assert events[-1]["content"] == whole and events[-1]["usage"]["completionTokens"] == 40
        assert "".join(e["content"] for e in events[:-1]) == whole
    assert len(late) < len(early)  # the late one got the first half in one delta
    assert len([s for s in upstream.streams if s.path == "/api/chat"]) == 1
    # Finished answers stay readable for a while.
    again = await follow(live, token, task_id)
    assert [e["__typename"] for e in again] == ["CompletionDelta", "CompletionDone"]


async def test_stop_ends_it_for_every_follower(graphql, live, upstream):
    token = await graphql.admin()
    upstream.script("gpt-4o", chunks=1000, delay=0.02)
    task_id = await start(graphql, token, model="gpt-4o")
    joined = asyncio.Event()
    first = asyncio.ensure_future(follow(live, token, task_id, joined=joined))
    await joined.wait()
    second = asyncio.ensure_future(follow(live, token, task_id))
    await upstream.pieces_sent(3)
    await graphql.ok("mutation($id: ID!) { stopTask(input: {taskId: $id}) { task { id } } }",
                     {"id": task_id}, token=token)
    for events in await asyncio.gather(first, second):
        assert events[-1]["__typename"] == "CompletionFailed"
        assert events[-1]["code"] == "STOPPED" and events[-1]["partialContent"].startswith("tok0")
    async with asyncio.timeout(1):
        assert (await upstream.stream_ended()).closed_by_client


async def test_leaving_does_not_stop_it(graphql, live, upstream):
    token = await graphql.admin()
    upstream.script("llama3:8b", chunks=20, delay=0.02)
    task_id = await start(graphql, token)
    await follow(live, token, task_id, stop_after=2)
    async with asyncio.timeout(5):
        record = await upstream.stream_ended()
    assert record.finished and not record.closed_by_client


async def test_rest_start_and_who_may_follow(client, graphql, live, upstream):
    admin = await graphql.admin()
    user = (await graphql.add_user(admin, "una@example.com"))["token"]
    started = await client.post("/api/tasks", headers=bearer(admin), json={
        "model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}]})
    assert started.status_code == 200, started.text
    task_id = started.json()["task_id"]
    events = await follow(live, admin, task_id)
    assert events[-1]["content"] == "tok0 tok1 tok2 "
    with pytest.raises(TransportQueryError) as hidden:
        await follow(live, user, task_id)
    assert hidden.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
    with pytest.raises(TransportQueryError) as unknown:
        await follow(live, admin, "no-such-task")
    assert unknown.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
    refused = await client.post("/api/tasks", headers=bearer(user), json={
        "model": "llama3:8b", "messages": []})
    assert refused.status_code == 403  # not shared with this user


async def test_a_follower_catches_up_when_an_event_is_lost(app, graphql, live):
    """A broker that drops an event (Redis does, for a client that falls behind): the
    follower sees the gap in sequence numbers, fetches the answer so far and goes on."""
    token = await graphql.admin()
    viewer = (await graphql.ok("{ viewer { id } }", token=token))["viewer"]
    services = app.state.services
    task = prepare(kind=COMPLETION, user_id=viewer["id"], model="llama3:8b", route="test")
    transcript = Transcript(task)
    services.tasks.transcripts[task.id] = transcript

    async def produce(text: str, *, lost: bool = False) -> None:
        transcript.content += text
        transcript.seq += 1
        if not lost:
            await services.pubsub.publish(completion_channel(task.id), {
                "t": "delta", "seq": transcript.seq, "c": text, "r": ""})

    joined = asyncio.Event()
    following = asyncio.ensure_future(follow(live, token, task.id, joined=joined))
    await produce("first ")
    async with asyncio.timeout(5):
        await joined.wait()
    await produce("lost ", lost=True)
    await produce("last ")
    transcript.seq += 1
    transcript.terminal = {"t": "done", "finish": "stop", "usage": None, "seq": transcript.seq}
    await services.pubsub.publish(completion_channel(task.id), transcript.terminal)
    events = await asyncio.wait_for(following, 5)
    assert events[-1]["content"] == "first lost last "
    assert "".join(e["content"] for e in events[:-1]) == "first lost last "
