"""Pipelines on GraphQL, on SQLite and PostgreSQL: a three-step pipeline (retrieve,
summarise with one model, check with another) run by a mutation and followed over a
WebSocket with gql (each step's start, the models' tokens, each end); every problem in
`extensions.problems`; lists as connections; a run stopped with stopTask."""

from __future__ import annotations

import asyncio

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.schema.conftest import auth
from tests.support.ai import live  # noqa: F401 - a fixture
from tests.support.grounding import OTHER, PASSAGE, add_knowledge
from tests.support.pipelines import *  # noqa: F403
from tests.support.pipelines import model_step
from tests.support.waiting import eventually

CREATE = """
mutation Create($input: CreatePipelineInput!) {
  createPipeline(input: $input) { pipeline { id name version ownerId definition } }
}"""
EXECUTE = """
mutation Run($input: ExecutePipelineInput!) {
  executePipeline(input: $input) { run { id taskId status steps { name } } }
}"""
FOLLOW = gql("""
subscription Follow($id: ID!) {
  pipelineRun(id: $id) {
    kind step text status error
    stepRun { name output error tokens { prompt completion total } durationMs }
    run { status steps { name output } }
  }
}""")
STOP = "mutation Stop($id: ID!) { stopTask(input: {taskId: $id}) { task { id } } }"


def three_steps(kb: str) -> dict:
    return {"steps": [
        {"name": "find", "kind": "retrieval", "knowledge": [kb], "k": 1},
        model_step("summary", "Summarise: {{steps.find.output}}"),
        model_step("check", "Is this right? {{steps.summary.output}}", "gpt-4o"),
        {"name": "answer", "kind": "output",
         "template": "{{steps.summary.output}}| {{steps.check.output}}"}]}


async def follow(base: str, token: str, run_id: str) -> list[dict]:
    transport = WebsocketsTransport(url=base.replace("http://", "ws://") + "/graphql",
                                    subprotocols=["graphql-transport-ws"],
                                    init_payload=auth(token))
    async with Client(transport=transport) as session:
        request = GraphQLRequest(FOLLOW, variable_values={"id": run_id})
        async with asyncio.timeout(30):
            return [e["pipelineRun"] async for e in session.subscribe(request)]


async def test_a_three_step_run_streams_its_steps(app, graphql, live, people,  # noqa: F811
                                                 upstream):
    token = people["admin_token"]
    kb = await add_knowledge(app, people["admin_id"], "Lore", PASSAGE, OTHER)
    upstream.script("llama3:8b", chunks=3, first_delay=1.5)  # time to subscribe
    upstream.script("gpt-4o", chunks=4, delay=0.05)
    made = await graphql.ok(CREATE, {"input": {"name": "Check", "definition": three_steps(kb)}},
                            token=token)
    pipeline = made["createPipeline"]["pipeline"]
    assert pipeline["version"] == 1 and pipeline["ownerId"] == people["admin_id"]
    started = (await graphql.ok(EXECUTE, {"input": {"id": pipeline["id"], "input": "lamp?"}},
                                token=token))["executePipeline"]["run"]
    assert started["status"] == "RUNNING" and started["taskId"]
    events = await follow(live, token, started["id"])
    assert events[0]["kind"] == "SNAPSHOT" and events[-1]["kind"] == "ENDED"
    assert events[-1]["status"] == "SUCCEEDED" and events[-1]["error"] is None
    ended = [e["stepRun"] for e in events if e["kind"] == "STEP_ENDED"]
    assert [s["name"] for s in ended][-3:] == ["summary", "check", "answer"]
    tokens = [e["text"] for e in events if e["kind"] == "TOKEN"]
    assert tokens == ["tok0 ", "tok1 ", "tok2 ", "tok0 ", "tok1 ", "tok2 ", "tok3 "]
    assert [e["step"] for e in events if e["kind"] == "TOKEN"] == ["summary"] * 3 + ["check"] * 4
    check = next(s for s in ended if s["name"] == "check")
    assert check["output"] == "tok0 tok1 tok2 tok3 "
    assert check["tokens"] == {"prompt": 7, "completion": 4, "total": 11}
    assert ended[-1]["output"] == "tok0 tok1 tok2 | tok0 tok1 tok2 tok3 "
    asked = upstream.last("/v1/chat/completions").body["messages"][-1]["content"]
    assert asked == "Is this right? tok0 tok1 tok2 "
    run = await graphql.ok("query R($id: ID!) { pipelineRun(id: $id) { status output "
                           "steps { name input durationMs } } }", {"id": started["id"]},
                           token=token)
    steps = run["pipelineRun"]["steps"]
    assert [s["name"] for s in steps] == ["find", "summary", "check", "answer"]
    assert steps[1]["input"] == f"Summarise: {PASSAGE}" and steps[1]["durationMs"] >= 0


async def test_problems_are_listed_in_the_extensions(graphql, people):
    body = await graphql(CREATE, {"input": {"name": "Bad", "definition": {"steps": [
        {"name": "a", "kind": "wish"}, model_step("b", "{{steps.zz.output}}")]}}},
        token=people["una_token"])
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [(p["step"], p["field"]) for p in error["extensions"]["problems"]] == [
        ("a", "kind"), ("b", "prompt"), ("b", "model")]


async def test_lists_copies_changes_and_deletes(graphql, people):
    token = people["admin_token"]
    definition = {"steps": [{"name": "o", "kind": "output", "template": "{{input}}"}]}
    first = (await graphql.ok(CREATE, {"input": {"name": "One", "definition": definition}},
                              token=token))["createPipeline"]["pipeline"]
    copy = await graphql.ok("mutation D($id: ID!) { duplicatePipeline(input: {id: $id}) "
                            "{ pipeline { id name } } }", {"id": first["id"]}, token=token)
    assert copy["duplicatePipeline"]["pipeline"]["name"] == "One (copy)"
    changed = await graphql.ok(
        "mutation U($input: UpdatePipelineInput!) { updatePipeline(input: $input) "
        "{ pipeline { version description } } }",
        {"input": {"id": first["id"], "description": "echo"}}, token=token)
    assert changed["updatePipeline"]["pipeline"] == {"version": 2, "description": "echo"}
    page = await graphql.ok("{ pipelines(first: 1) { totalCount nodes { name } "
                            "pageInfo { hasNextPage endCursor } } }", token=token)
    assert page["pipelines"]["totalCount"] == 2 and page["pipelines"]["pageInfo"]["hasNextPage"]
    rest = await graphql.ok("query N($after: String) { pipelines(first: 1, after: $after) "
                            "{ nodes { name } pageInfo { hasNextPage } } }",
                            {"after": page["pipelines"]["pageInfo"]["endCursor"]}, token=token)
    assert not rest["pipelines"]["pageInfo"]["hasNextPage"]
    names = page["pipelines"]["nodes"] + rest["pipelines"]["nodes"]
    assert sorted(n["name"] for n in names) == ["One", "One (copy)"]
    unseen = await graphql("{ pipelines { totalCount } }", token=people["una_token"])
    assert unseen["data"]["pipelines"]["totalCount"] == 0
    gone = await graphql.ok("mutation X($id: ID!) { deletePipeline(input: {id: $id}) "
                            "{ deleted } }", {"id": first["id"]}, token=token)
    assert gone["deletePipeline"]["deleted"] is True
    missing = await graphql("query P($id: ID!) { pipeline(id: $id) { id } }",
                            {"id": first["id"]}, token=token)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_stop_task_stops_a_run(graphql, live, people, upstream):  # noqa: F811
    token = people["admin_token"]
    upstream.script("llama3:8b", chunks=500, delay=0.05)
    made = await graphql.ok(CREATE, {"input": {"name": "Slow", "definition": {
        "steps": [model_step("slow", "{{input}}")]}}}, token=token)
    started = (await graphql.ok(EXECUTE, {"input": {
        "id": made["createPipeline"]["pipeline"]["id"], "input": "go"}},
        token=token))["executePipeline"]["run"]
    following = asyncio.ensure_future(follow(live, token, started["id"]))
    await upstream.pieces_sent(3)
    await graphql.ok(STOP, {"id": started["taskId"]}, token=token)
    events = await following
    assert events[-1]["kind"] == "ENDED" and events[-1]["status"] == "STOPPED"
    assert events[-1]["error"] == "The run was stopped."


async def test_only_who_may_read_a_run_follows_it(graphql, live, people):  # noqa: F811
    token = people["admin_token"]
    made = await graphql.ok(CREATE, {"input": {"name": "Echo", "definition": {
        "steps": [{"name": "o", "kind": "output", "template": "{{input}}"}]}}}, token=token)
    started = (await graphql.ok(EXECUTE, {"input": {
        "id": made["createPipeline"]["pipeline"]["id"], "input": "hi"}},
        token=token))["executePipeline"]["run"]

    async def over() -> bool:
        found = await graphql.ok("query R($id: ID!) { pipelineRun(id: $id) { status } }",
                                 {"id": started["id"]}, token=token)
        return found["pipelineRun"]["status"] != "RUNNING"
    await eventually(over, 10)
    ended = await follow(live, token, started["id"])
    assert ended[0]["kind"] == "SNAPSHOT" and ended[0]["run"]["status"] == "SUCCEEDED"
    assert len(ended) == 1  # an ended run: its snapshot is the whole story
    with pytest.raises(TransportQueryError) as refused:
        await follow(live, people["una_token"], started["id"])
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
