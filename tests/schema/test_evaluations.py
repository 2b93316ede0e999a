"""Evaluations and feedback over GraphQL on SQLite and PostgreSQL: make an evaluation from
JSON Lines, run it with the scripted upstream and follow its progress over a real
WebSocket to the end, read results and scores; feedback and the leaderboard; refusals."""

from __future__ import annotations

import asyncio
import json

from gql import GraphQLRequest

from tests.schema.conftest import error_codes
from tests.schema.test_files import subscriber
from tests.support.ai import *  # noqa: F403

CREATE = """
mutation($input: CreateEvaluationInput!) {
  createEvaluation(input: $input) { evaluation { id status models } }
}"""
RUN = """mutation($id: ID!) { runEvaluation(input: {id: $id}) { taskId evaluation { status } } }"""
ONE = """
query($id: ID!) {
  evaluation(id: $id) {
    status cases { position scorer }
    results { caseId model output score passed }
    scores { model meanScore passRate cases errors promptTokens }
  }
}"""
FOLLOW = """
subscription($id: ID!) { evaluationRun(id: $id) { status done total scores { model meanScore } } }
"""
JSONL = "\n".join(json.dumps({"input": f"double {i}", "scorer": "numeric", "expected": 2 * i})
                  for i in range(6))


def answer(body: dict) -> str:
    n = int(body["messages"][-1]["content"].split()[1])
    return str(2 * n if n < 3 else 0)  # right for the first three only


async def test_run_an_evaluation_and_follow_it(graphql, accounts, live_server, upstream):
    await accounts.admin()
    admin = accounts.admin_token
    stranger = (await accounts.user("stranger@example.com"))["token"]
    upstream.responders["llama3:8b"] = answer
    upstream.script("llama3:8b", first_delay=0.1)
    made = await graphql.ok(CREATE, {"input": {"name": "doubles", "models": ["llama3:8b"],
                                               "casesJsonl": JSONL}}, token=admin)
    evaluation_id = made["createEvaluation"]["evaluation"]["id"]
    assert made["createEvaluation"]["evaluation"]["status"] == "new"

    events: asyncio.Queue = asyncio.Queue()

    async def follow() -> None:
        async with subscriber(live_server, admin) as session:
            request = GraphQLRequest(FOLLOW, variable_values={"id": evaluation_id})
            async for result in session.subscribe(request):
                await events.put(result["evaluationRun"])

    following = asyncio.create_task(follow())
    assert await asyncio.wait_for(events.get(), 10) == {
        "status": "new", "done": 0, "total": 6, "scores": []}  # not running: it ends
    await asyncio.wait_for(following, 10)

    started = await graphql.ok(RUN, {"id": evaluation_id}, token=admin)
    assert started["runEvaluation"]["evaluation"]["status"] == "running"
    following = asyncio.create_task(follow())
    seen = [await asyncio.wait_for(events.get(), 20)]
    while seen[-1]["status"] == "running":
        seen.append(await asyncio.wait_for(events.get(), 20))
    await asyncio.wait_for(following, 10)
    assert seen[-1] == {"status": "done", "done": 6, "total": 6,
                        "scores": [{"model": "llama3:8b", "meanScore": 0.5}]}
    assert [e["done"] for e in seen] == sorted(e["done"] for e in seen)

    got = (await graphql.ok(ONE, {"id": evaluation_id}, token=admin))["evaluation"]
    assert got["status"] == "done" and len(got["cases"]) == 6 and len(got["results"]) == 6
    assert got["scores"] == [{"model": "llama3:8b", "meanScore": 0.5, "passRate": 0.5,
                              "cases": 6, "errors": 0, "promptTokens": 42}]
    again = await graphql(RUN, {"id": evaluation_id}, token=stranger)
    assert error_codes(again) == ["NOT_FOUND"]
    hidden = await graphql(ONE, {"id": evaluation_id}, token=stranger)
    assert error_codes(hidden) == ["NOT_FOUND"]


async def test_bad_evaluations_and_conflicts(graphql, accounts, upstream):
    await accounts.admin()
    admin = accounts.admin_token
    bad = await graphql(CREATE, {"input": {"name": "x", "models": ["llama3:8b"],
                                           "casesJsonl": '{"input": "a", "expected": "b"}\nnope'}},
                      token=admin)
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["message"].startswith("line 2: ")
    upstream.script("llama3:8b", first_delay=1.0)
    made = await graphql.ok(CREATE, {"input": {"name": "x", "models": ["llama3:8b"],
                                               "casesJsonl": JSONL}}, token=admin)
    evaluation_id = made["createEvaluation"]["evaluation"]["id"]
    await graphql.ok(RUN, {"id": evaluation_id}, token=admin)
    assert error_codes(await graphql(RUN, {"id": evaluation_id}, token=admin)) == ["CONFLICT"]
    stop = "mutation($id: ID!) { stopEvaluation(input: {id: $id}) { evaluation { id } } }"
    await graphql.ok(stop, {"id": evaluation_id}, token=admin)


FEEDBACK = """
mutation($input: FeedbackInput!) { createFeedback(input: $input) { feedback { id type data } } }
"""
BOARD = "{ leaderboard { modelId rating won lost count } }"


async def test_feedback_and_the_leaderboard(client, graphql, accounts):
    await accounts.admin()
    admin = accounts.admin_token
    una = (await accounts.user("una@example.com"))["token"]
    vote = {"type": "rating", "data": {"rating": 1, "model_id": "a",
                                       "sibling_model_ids": ["b"]}}
    made = await graphql.ok(FEEDBACK, {"input": vote}, token=una)
    feedback_id = made["createFeedback"]["feedback"]["id"]
    rest = await client.get(f"/api/v1/evaluations/feedback/{feedback_id}",
                            headers={"Authorization": f"Bearer {una}"})
    assert rest.json()["data"] == vote["data"]  # the same row Open WebUI's routes read
    board = await graphql.ok(BOARD, token=admin)
    assert board["leaderboard"] == [
        {"modelId": "a", "rating": 1016, "won": 1, "lost": 0, "count": 1},
        {"modelId": "b", "rating": 984, "won": 0, "lost": 1, "count": 1}]
    assert error_codes(await graphql(BOARD, token=una)) == ["FORBIDDEN"]
    mine = await graphql.ok("{ myFeedback { id } }", token=una)
    assert mine["myFeedback"] == [{"id": feedback_id}]
    update = """mutation($input: UpdateFeedbackInput!) {
      updateFeedback(input: $input) { feedback { type data } } }"""
    changed = await graphql.ok(update, {"input": {"id": feedback_id, "type": "x",
                                                  "data": {"rating": -1}}}, token=una)
    assert changed["updateFeedback"]["feedback"] == {"type": "rating", "data": {"rating": -1}}
    delete = "mutation($id: ID!) { deleteFeedback(input: {id: $id}) }"
    assert error_codes(await graphql(delete, {"id": feedback_id}, token=admin + "x")) != []
    assert (await graphql.ok(delete, {"id": feedback_id}, token=una))["deleteFeedback"] is True
    assert error_codes(await graphql(delete, {"id": feedback_id}, token=una)) == ["NOT_FOUND"]
