"""Two Parley processes on one database and one pub/sub broker (Redis, then PostgreSQL)
act as one: a completion started on A streams to a follower on B, even one that joins
late; a stop sent to B stops work running on A (an answer in a chat keeps its partial
text, which B reads), and B lists A's tasks. Another deployment on the same broker (its
own database and secret) can neither list, stop nor follow them.

The tests of a module share one pair of processes per broker (starting two takes
seconds); each test ends with no task running. Their pub/sub namespace is derived from
their database, made for this run, so runs sharing the machine's broker never meet."""

import asyncio
import json
from dataclasses import dataclass

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from data.settings import database_url, deployment_prefix
from tests.support.server import one_deployment, running_servers
from tests.support.upstream import ScriptedUpstream
from tests.support.waiting import eventually

FOLLOW = gql("""subscription Follow($id: ID!) {
  chatCompletion(taskId: $id) {
    __typename
    ... on CompletionDelta { content }
    ... on CompletionDone { content }
    ... on CompletionFailed { code partialContent }
  } }""")
START = """mutation { startCompletion(input: {model: "llama3:8b", prompt: "hi"}) {
  task { id } } }"""
START_IN_CHAT = """mutation($chat: ID!) { startChatCompletion(input: {
  chatId: $chat, model: "llama3:8b", content: "hi"}) {
  ... on ChatCompletionPayload { task { id } assistantMessage { id } } } }"""
MESSAGES = """query($chat: ID!) { chat(id: $chat) { messages(last: 10) {
  nodes { id status content } } } }"""
# Upper bounds on waits for the other processes, not expectations: generous, because a
# machine shared by several test runs can be slow.
WAIT = 30
SIGNUP = {"name": "Ada", "email": "ada@example.com", "password": "a-long-passphrase"}


async def follow(base: str, token: str, task_id: str) -> list[dict]:
    transport = WebsocketsTransport(url=base.replace("http", "ws") + "/graphql",
                                    subprotocols=["graphql-transport-ws"],
                                    init_payload={"token": token})
    async with Client(transport=transport) as session:
        request = GraphQLRequest(FOLLOW, variable_values={"id": task_id})
        return [e["chatCompletion"] async for e in session.subscribe(request)]


@dataclass
class Deployment:
    a: str  # the instances' base URLs
    b: str
    upstream: ScriptedUpstream
    token: str  # the admin's, signed up on A
    env: dict[str, str]


async def admin_token(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=WAIT) as client:
        return (await client.post("/api/v1/auths/signup", json=SIGNUP)).json()["token"]


@pytest.fixture(scope="module", params=["redis", "postgres"])
async def instances(request, tmp_path_factory, migrated_databases):
    """Instances A and B of one deployment, with the scripted upstream."""
    async with one_deployment(migrated_databases, request.param,
                              tmp_path_factory.mktemp("instances")) as (a, b, upstream, env):
        yield Deployment(a, b, upstream, await admin_token(a), env)


async def listed_tasks(client: httpx.AsyncClient, headers: dict, count: int) -> list[str]:
    """The task list once it holds `count` tasks: a list gathers the other instances'
    answers for a moment, and a busy machine can make one answer late."""
    found: list[str] = []

    async def listed() -> bool:
        found[:] = (await client.get("/api/tasks", headers=headers)).json()["tasks"]
        return len(found) == count

    await eventually(listed, WAIT)
    return found


async def sent_at_least(upstream: ScriptedUpstream, index: int, chunks: int) -> None:
    """Wait until the upstream has sent `chunks` pieces of its `index`th answer."""
    async def sent() -> bool:
        return len(upstream.streams) > index and upstream.streams[index].sent >= chunks

    await eventually(sent, WAIT)


async def test_a_completion_on_a_streams_to_b_and_a_stop_on_b_stops_it(instances):
    a, b, upstream, token = instances.a, instances.b, instances.upstream, instances.token
    async with httpx.AsyncClient(base_url=a, timeout=WAIT) as on_a, \
            httpx.AsyncClient(base_url=b, timeout=WAIT) as on_b:
        headers = {"Authorization": f"Bearer {token}"}

        upstream.script("llama3:8b", chunks=40, delay=0.03)
        answer = len(upstream.streams)
        started = await on_a.post("/graphql", headers=headers, json={"query": START})
        task_id = started.json()["data"]["startCompletion"]["task"]["id"]
        await sent_at_least(upstream, answer, 10)  # B's follower joins part-way through
        events = await follow(b, token, task_id)
        whole = "".join(f"tok{i} " for i in range(40))
        assert events[-1] == {"__typename": "CompletionDone", "content": whole}
        assert "".join(e["content"] for e in events[:-1]) == whole

        # An answer in a chat, started on A: B follows it, stops it, and reads what A kept.
        upstream.script("llama3:8b", chunks=1000, delay=0.03)
        answer = len(upstream.streams)
        chat = await on_a.post("/api/v1/chats/new", headers=headers,
                               json={"chat": {"title": "Two"}})
        chat_id = chat.json()["id"]
        started = await on_a.post("/graphql", headers=headers, json={
            "query": START_IN_CHAT, "variables": {"chat": chat_id}})
        payload = started.json()["data"]["startChatCompletion"]
        task_id, answer_id = payload["task"]["id"], payload["assistantMessage"]["id"]
        following = asyncio.ensure_future(follow(b, token, task_id))
        await sent_at_least(upstream, answer, 2)
        assert await listed_tasks(on_b, headers, 1) == [task_id]  # A's task, listed by B
        stop = await on_b.post(f"/api/tasks/{task_id}/stop", headers=headers)
        assert stop.json()["status"] is True
        events = await asyncio.wait_for(following, WAIT)
        assert events[-1]["__typename"] == "CompletionFailed"
        assert events[-1]["code"] == "STOPPED"
        # What A had read when the stop came: a beginning of the answer, however far.
        assert "".join(f"tok{i} " for i in range(1000)).startswith(
            events[-1]["partialContent"])
        record = upstream.streams[answer]
        async with asyncio.timeout(WAIT):
            await record.ended.wait()
        assert record.closed_by_client and not record.finished  # closed by the stop
        kept = await on_b.post("/graphql", headers=headers, json={
            "query": MESSAGES, "variables": {"chat": chat_id}})
        nodes = {m["id"]: m for m in kept.json()["data"]["chat"]["messages"]["nodes"]}
        assert nodes[answer_id] == {"id": answer_id, "status": "STOPPED",
                                    "content": events[-1]["partialContent"]}


async def test_a_relayed_stream_on_a_is_stopped_from_b(instances):
    a, b, upstream, token = instances.a, instances.b, instances.upstream, instances.token
    async with httpx.AsyncClient(base_url=a, timeout=WAIT) as on_a, \
            httpx.AsyncClient(base_url=b, timeout=WAIT) as on_b:
        headers = {"Authorization": f"Bearer {token}"}
        upstream.script("llama3:8b", chunks=1000, delay=0.03)
        body = {"model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}]}
        async with on_a.stream("POST", "/ollama/api/chat", headers=headers, json=body) as r:
            lines = r.aiter_lines()
            assert json.loads(await anext(lines))["message"]["content"] == "tok0 "
            [task_id] = await listed_tasks(on_b, headers, 1)
            stop = await on_b.post(f"/api/tasks/stop/{task_id}", headers=headers)
            assert stop.json()["status"] is True
            rest = [json.loads(line) async for line in lines if line]
        assert rest[-1]["error"] == "The request was stopped."


@pytest.fixture(scope="module")
async def strangers(instances, tmp_path_factory, migrated_databases):
    """Two other deployments on the same broker, each with a database of its own. Each
    meets one of the two guards alone: the first has our secret (copied, say) but the
    namespace its database gives it; the second is told to use our namespace but has a
    secret of its own, so only the messages' signatures tell us apart."""
    databases = [await migrated_databases.postgres() for _ in range(2)]
    envs = [instances.env | {"DATABASE_URL": database,
                             "DATA_DIR": str(tmp_path_factory.mktemp("stranger"))}
            for database in databases]
    envs[1] |= {"WEBUI_SECRET_KEY": "another-deployments-secret-0123456789",
                "REDIS_KEY_PREFIX": deployment_prefix(database_url(instances.env["DATABASE_URL"]))}
    try:
        async with running_servers(*envs) as bases:
            yield [(base, await admin_token(base)) for base in bases]
    finally:
        for database in databases:
            migrated_databases.drop_later(database)


async def test_another_deployment_cannot_list_stop_or_follow_our_tasks(instances, strangers):
    upstream, mine = instances.upstream, {"Authorization": f"Bearer {instances.token}"}
    upstream.script("llama3:8b", chunks=10, hang_after=3)  # runs until stopped
    answer = len(upstream.streams)
    async with httpx.AsyncClient(base_url=instances.a, timeout=WAIT) as on_a, \
            httpx.AsyncClient(base_url=instances.b, timeout=WAIT) as on_b:
        started = await on_a.post("/graphql", headers=mine, json={"query": START})
        task_id = started.json()["data"]["startCompletion"]["task"]["id"]
        await sent_at_least(upstream, answer, 3)

        async def intrude(base: str, token: str) -> None:
            theirs = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=base, timeout=WAIT) as client:
                listed = await client.get("/api/tasks", headers=theirs)
                assert listed.json()["tasks"] == []
                stop = await client.post(f"/api/tasks/{task_id}/stop", headers=theirs)
                assert stop.json()["status"] is False
                with pytest.raises(TransportQueryError, match="No such completion"):
                    await follow(base, token, task_id)

        await asyncio.gather(*(intrude(base, token) for base, token in strangers))
        # The instances of our deployment still reach each other. A broker delivers the
        # control messages A hears in the order it took them, and A answers them in
        # order: a stop from a stranger, sent before this question, would show here.
        got = {}

        async def seen_from_b() -> bool:
            got["task"] = await on_b.get(f"/api/tasks/{task_id}", headers=mine)
            return got["task"].status_code == 200

        await eventually(seen_from_b, WAIT)
        assert got["task"].json()["stopping"] is False
        assert not upstream.streams[answer].ended.is_set()
        following = asyncio.ensure_future(follow(instances.b, instances.token, task_id))
        stop = await on_b.post(f"/api/tasks/{task_id}/stop", headers=mine)
        assert stop.json()["status"] is True
        events = await asyncio.wait_for(following, WAIT)
        assert events[-1] == {"__typename": "CompletionFailed", "code": "STOPPED",
                              "partialContent": "tok0 tok1 tok2 "}
