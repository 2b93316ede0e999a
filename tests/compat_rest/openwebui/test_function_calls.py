"""Functions at work, each call in a worker process, on SQLite and PostgreSQL: a pipe is a
model and answers `/api/chat/completions` (streamed and whole) with its valves and the
caller's user valves; a global filter edits the request (`inlet`) and the answer
(`outlet`, on `/api/chat/completed`); an action runs on `/api/chat/actions/{id}` and the
documented `/api/functions/{id}/execute`."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.support.functions import *  # noqa: F403 (limits and people fixtures)
from tests.support.functions import V1, create, source


def _ask(model: str, content: str, **extra) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def _sse(text: str) -> list[dict]:
    lines = [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


async def test_a_pipe_is_a_model_and_streams(client, people):
    admin, user = people["admin"], people["user"]
    await create(client, admin, "word_pipe", source("word_pipe"), name="Word Pipe")
    await client.post(f"{V1}/id/word_pipe/valves/update", headers=admin, json={"PREFIX": "#"})
    models = (await client.get("/api/models", headers=admin)).json()["data"]
    [pipe] = [m for m in models if m["id"] == "word_pipe"]
    assert pipe["name"] == "Word Pipe" and pipe["pipe"] == {"type": "pipe"}
    assert pipe["object"] == "model" and pipe["owned_by"] == "openai"

    streamed = await client.post("/api/chat/completions", headers=admin,
                                 json=_ask("word_pipe", "hello there world", stream=True))
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers["content-type"].startswith("text/event-stream")
    chunks = _sse(streamed.text)
    pieces = [c["choices"][0]["delta"].get("content") for c in chunks]
    assert pieces == ["#hello ", "#there ", "#world ", None]  # one chunk per yield
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"

    refused = await client.post("/api/chat/completions", headers=user,
                                json=_ask("word_pipe", "no access"))
    assert refused.status_code == 400, refused.text  # as any model without a row granting it
    assert "word_pipe" not in [m["id"] for m in
                               (await client.get("/api/models", headers=user)).json()["data"]]
    await client.post(f"{V1}/id/word_pipe/valves/user/update", headers=admin,
                      json={"SHOUT": True})
    whole = await client.post("/api/chat/completions", headers=admin,
                              json=_ask("word_pipe", "quiet words"))
    assert whole.status_code == 200, whole.text
    assert whole.json()["object"] == "chat.completion"
    assert whole.json()["choices"][0]["message"]["content"] == "#QUIET #WORDS "

    await client.post(f"{V1}/id/word_pipe/toggle", headers=admin)  # inactive: no model
    models = (await client.get("/api/models", headers=admin)).json()["data"]
    assert "word_pipe" not in [m["id"] for m in models]


async def test_a_global_filter_edits_the_request_and_the_answer(client, people):
    admin = people["admin"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    await create(client, admin, "tag_filter", source("tag_filter"))
    plain = await client.post("/api/chat/completions", headers=admin,
                              json=_ask("word_pipe", "hi"))
    assert plain.json()["choices"][0]["message"]["content"] == ">hi "  # not global yet
    await client.post(f"{V1}/id/tag_filter/toggle/global", headers=admin)
    await client.post(f"{V1}/id/tag_filter/valves/update", headers=admin,
                      json={"TAG": "[seen]"})
    tagged = await client.post("/api/chat/completions", headers=admin,
                               json=_ask("word_pipe", "hi"))
    assert tagged.json()["choices"][0]["message"]["content"] == ">hi >[seen] "

    completed = await client.post("/api/chat/completed", headers=admin, json={
        "model": "word_pipe", "messages": [{"role": "user", "content": "hi"},
                                           {"role": "assistant", "content": "hello "}]})
    assert completed.status_code == 200, completed.text
    assert completed.json()["messages"][1]["content"] == "hello (checked)"


async def test_an_action_runs_on_a_message(client, people):
    admin, user = people["admin"], people["user"]
    await create(client, admin, "count_action", source("count_action"))
    body = {"model": "word_pipe", "id": "m1", "chat_id": "c1",
            "messages": [{"role": "user", "content": "one two"},
                         {"role": "assistant", "content": "three four five"}]}
    done = await client.post("/api/chat/actions/count_action", headers=user, json=body)
    assert done.status_code == 200, done.text
    assert done.json() == {"content": "5 words", "user": people["user_id"]}
    executed = await client.post("/api/functions/count_action/execute", headers=user,
                                 json=body)
    assert executed.json() == {"result": {"content": "5 words", "user": people["user_id"]}}
    missing = await client.post("/api/chat/actions/nothing", headers=user, json=body)
    assert missing.status_code == 404
    await client.post(f"{V1}/id/count_action/toggle", headers=admin)  # inactive
    assert (await client.post("/api/chat/actions/count_action", headers=user,
                              json=body)).status_code == 404
    assert (await client.post("/api/chat/actions/count_action",
                              json=body)).status_code == 401


MANIFOLD = '''
class Pipe:
    def pipes(self):
        return [{"id": "small", "name": " Small"}, {"id": "large", "name": " Large"}]

    def pipe(self, body):
        return f"{body['model']} says hi"
'''


async def test_a_manifold_pipe_lists_one_model_per_entry(client, people):
    admin = people["admin"]
    await create(client, admin, "multi", MANIFOLD, name="Multi")
    models = (await client.get("/api/models", headers=admin)).json()["data"]
    found = {m["id"]: m["name"] for m in models if m.get("pipe")}
    assert found == {"multi.small": "Multi Small", "multi.large": "Multi Large"}
    answer = await client.post("/api/chat/completions", headers=admin,
                               json=_ask("multi.large", "hello"))
    assert answer.json()["choices"][0]["message"]["content"] == "multi.large says hi"


async def test_a_filter_acts_where_a_preset_lists_it(app, client, people):
    admin = people["admin"]
    await create(client, admin, "tag_filter", source("tag_filter"))  # active, not global
    async with app.state.services.write_sessionmaker() as session:
        await session.execute(text(
            "INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, "
            "updated_at, created_at) VALUES ('checked', :u, 'some-base', 'Checked', '{}', "
            ":meta, true, 0, 0)"),
            {"u": people["admin_id"], "meta": json.dumps({"filterIds": ["tag_filter"]})})
        await session.commit()
    reply = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    listed = await client.post("/api/chat/completed", headers=admin,
                               json={"model": "checked", "messages": reply})
    assert listed.json()["messages"][1]["content"] == "a (checked)"
    other = await client.post("/api/chat/completed", headers=admin,
                              json={"model": "another", "messages": reply})
    assert other.json()["messages"][1]["content"] == "a"


async def test_a_pipe_model_is_listed_in_open_webui_s_function_model_shape(client, people):
    """As Open WebUI's get_function_models lists it: no connection's fields."""
    admin = people["admin"]
    made = await create(client, admin, "word_pipe", source("word_pipe"), name="Word Pipe")
    await create(client, admin, "multi", MANIFOLD, name="Multi")
    models = (await client.get("/api/models", headers=admin)).json()["data"]
    pipes = {m["id"]: m for m in models if m["id"] in ("word_pipe", "multi.small")}
    for entry in pipes.values():
        assert set(entry) == {"id", "name", "object", "created", "owned_by", "pipe", "tags",
                              "actions", "filters"}, entry
        assert entry["owned_by"] == "openai" and entry["pipe"] == {"type": "pipe"}
    assert pipes["word_pipe"]["created"] == made["created_at"]
    assert pipes["multi.small"]["name"] == "Multi Small"
