"""A pipeline run on instance A, followed and stopped from instance B (one database, one
pub/sub broker: Redis, then PostgreSQL): B's subscriber gets A's step events and model
tokens, a stop sent to B stops the run on A, and B reads the run as A recorded it."""

import asyncio

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport

from tests.support.server import one_deployment
from tests.support.waiting import eventually

FOLLOW = gql("""subscription Follow($id: ID!) {
  pipelineRun(id: $id) { kind step text status error run { status } } }""")
WAIT = 30
SIGNUP = {"name": "Ada", "email": "ada@example.com", "password": "a-long-passphrase"}


async def follow(base: str, token: str, run_id: str) -> list[dict]:
    transport = WebsocketsTransport(url=base.replace("http", "ws") + "/graphql",
                                    subprotocols=["graphql-transport-ws"],
                                    init_payload={"token": token})
    async with Client(transport=transport) as session:
        request = GraphQLRequest(FOLLOW, variable_values={"id": run_id})
        return [e["pipelineRun"] async for e in session.subscribe(request)]


@pytest.fixture(params=["redis", "postgres"])
async def instances(request, tmp_path_factory, migrated_databases):
    async with one_deployment(migrated_databases, request.param,
                              tmp_path_factory.mktemp("instances")) as (a, b, upstream, _):
        yield a, b, upstream


async def test_a_run_on_a_is_followed_and_stopped_from_b(instances):
    a, b, upstream = instances
    async with httpx.AsyncClient(base_url=a, timeout=WAIT) as on_a, \
            httpx.AsyncClient(base_url=b, timeout=WAIT) as on_b:
        token = (await on_a.post("/api/v1/auths/signup", json=SIGNUP)).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        upstream.script("llama3:8b", chunks=400, delay=0.05)
        made = await on_a.post("/api/pipelines", headers=headers, json={
            "name": "Slow", "definition": {"steps": [
                {"name": "talk", "kind": "model", "model": "llama3:8b",
                 "prompt": "{{input}}"}]}})
        assert made.status_code == 200, made.text
        run = (await on_a.post(f"/api/pipelines/{made.json()['id']}/execute",
                               headers=headers, json={"input": "go"})).json()
        following = asyncio.ensure_future(follow(b, token, run["id"]))

        async def streaming() -> bool:
            return bool(upstream.streams) and upstream.streams[-1].sent >= 20
        await eventually(streaming, WAIT)
        stop = await on_b.post(f"/api/tasks/stop/{run['task_id']}", headers=headers)
        assert stop.status_code == 200, stop.text
        async with asyncio.timeout(WAIT):
            events = await following
        assert events[0]["kind"] == "SNAPSHOT"
        assert events[-1]["kind"] == "ENDED" and events[-1]["status"] == "STOPPED"
        tokens = [e["text"] for e in events if e["kind"] == "TOKEN"]
        assert tokens and all(t.startswith("tok") for t in tokens)  # A's tokens, seen on B
        url = f"/api/pipelines/{made.json()['id']}/runs/{run['id']}"
        stopped = (await on_b.get(url, headers=headers)).json()
        assert stopped["status"] == "stopped" and stopped["steps"][0]["name"] == "talk"
