"""Two Parley processes on one database and one pub/sub broker (Redis, then PostgreSQL)
act as one: a completion started on A streams to a follower on B, even one that joins
late; a stop sent to B stops work running on A (an answer in a chat keeps its partial
text, which B reads), and B lists A's tasks.

The tests of a module share one pair of processes per broker (starting two takes
seconds); each test ends with no task running."""

import asyncio
import json
import time

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport

from tests.support.databases import REDIS_URL
from tests.support.server import running_server
from tests.support.upstream import ScriptedUpstream

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
SIGNUP = {"name": "Ada", "email": "ada@example.com", "password": "a-long-passphrase"}


async def follow(base: str, token: str, task_id: str) -> list[dict]:
    transport = WebsocketsTransport(url=base.replace("http", "ws") + "/graphql",
                                    subprotocols=["graphql-transport-ws"],
                                    init_payload={"token": token})
    async with Client(transport=transport) as session:
        request = GraphQLRequest(FOLLOW, variable_values={"id": task_id})
        return [e["chatCompletion"] async for e in session.subscribe(request)]


@pytest.fixture(scope="module", params=["redis", "postgres"])
async def instances(request, tmp_path_factory, migrated_databases):
    """Instances A and B, the scripted upstream, and a token of the admin signed up on A."""
    database = await migrated_databases.postgres()
    pubsub = REDIS_URL if request.param == "redis" else \
        database.replace("postgresql://", "postgres://")
    async with ScriptedUpstream() as upstream:
        env = {"DATABASE_URL": database, "PUBSUB_URL": pubsub,
               "DATA_DIR": str(tmp_path_factory.mktemp("instances")),
               "WEBUI_SECRET_KEY": "two-instances-secret-0123456789abc",
               "OLLAMA_BASE_URLS": upstream.url, "OPENAI_API_BASE_URLS": upstream.openai_url,
               "UPSTREAM_IDLE_TIMEOUT": "5"}
        try:
            with running_server(env) as a, running_server(env) as b:
                async with httpx.AsyncClient(base_url=a, timeout=10) as on_a:
                    token = (await on_a.post("/api/v1/auths/signup", json=SIGNUP)
                             ).json()["token"]
                yield a, b, upstream, token
        finally:
            migrated_databases.drop_later(database)


async def test_a_completion_on_a_streams_to_b_and_a_stop_on_b_stops_it(instances):
    a, b, upstream, token = instances
    async with httpx.AsyncClient(base_url=a, timeout=10) as on_a, \
            httpx.AsyncClient(base_url=b, timeout=10) as on_b:
        headers = {"Authorization": f"Bearer {token}"}

        upstream.script("llama3:8b", chunks=40, delay=0.03)
        started = await on_a.post("/graphql", headers=headers, json={"query": START})
        task_id = started.json()["data"]["startCompletion"]["task"]["id"]
        await asyncio.sleep(0.5)  # B's follower joins part-way through
        events = await follow(b, token, task_id)
        whole = "".join(f"tok{i} " for i in range(40))
        assert events[-1] == {"__typename": "CompletionDone", "content": whole}
        assert "".join(e["content"] for e in events[:-1]) == whole

        # An answer in a chat, started on A: B follows it, stops it, and reads what A kept.
        upstream.script("llama3:8b", chunks=1000, delay=0.03)
        chat = await on_a.post("/api/v1/chats/new", headers=headers,
                               json={"chat": {"title": "Two"}})
        chat_id = chat.json()["id"]
        started = await on_a.post("/graphql", headers=headers, json={
            "query": START_IN_CHAT, "variables": {"chat": chat_id}})
        payload = started.json()["data"]["startChatCompletion"]
        task_id, answer_id = payload["task"]["id"], payload["assistantMessage"]["id"]
        following = asyncio.ensure_future(follow(b, token, task_id))
        await asyncio.sleep(0.5)
        listed = (await on_b.get("/api/tasks", headers=headers)).json()
        assert task_id in listed["tasks"]  # A's task, listed by B
        stop = await on_b.post(f"/api/tasks/{task_id}/stop", headers=headers)
        assert stop.json()["status"] is True
        asked = time.monotonic()
        events = await asyncio.wait_for(following, 10)
        assert events[-1]["__typename"] == "CompletionFailed"
        assert events[-1]["code"] == "STOPPED"
        assert events[-1]["partialContent"].startswith("tok0 tok1 ")
        record = upstream.streams[-1]
        async with asyncio.timeout(1):
            await record.ended.wait()
        assert record.closed_by_client and record.ended_at - asked < 1
        kept = await on_b.post("/graphql", headers=headers, json={
            "query": MESSAGES, "variables": {"chat": chat_id}})
        nodes = {m["id"]: m for m in kept.json()["data"]["chat"]["messages"]["nodes"]}
        assert nodes[answer_id] == {"id": answer_id, "status": "STOPPED",
                                    "content": events[-1]["partialContent"]}


async def test_a_relayed_stream_on_a_is_stopped_from_b(instances):
    a, b, upstream, token = instances
    async with httpx.AsyncClient(base_url=a, timeout=10) as on_a, \
            httpx.AsyncClient(base_url=b, timeout=10) as on_b:
        headers = {"Authorization": f"Bearer {token}"}
        upstream.script("llama3:8b", chunks=1000, delay=0.03)
        body = {"model": "llama3:8b", "messages": [{"role": "user", "content": "hi"}]}
        async with on_a.stream("POST", "/ollama/api/chat", headers=headers, json=body) as r:
            lines = r.aiter_lines()
            assert json.loads(await anext(lines))["message"]["content"] == "tok0 "
            [task_id] = (await on_b.get("/api/tasks", headers=headers)).json()["tasks"]
            stop = await on_b.post(f"/api/tasks/stop/{task_id}", headers=headers)
            assert stop.json()["status"] is True
            rest = [json.loads(line) async for line in lines if line]
        assert rest[-1]["error"] == "The request was stopped."
