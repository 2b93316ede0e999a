"""A pipe model answers in chats as an upstream model does, on SQLite and PostgreSQL:
Open WebUI's chat-bound `/api/chat/completions` (a script waiting for the answer, and the
frontend's async mode with `session_id`) and a new chat (`"parent_id": null`) keep the
pipe's answer in the chat; stopping the task kills the pipe's worker and keeps what had
arrived; a pipe that fails leaves the failure on the message."""

from __future__ import annotations

import os
import time

from tests.compat_rest.openwebui.test_chat_answers import answer_node, frontend_chat
from tests.support.chats import assert_in_step
from tests.support.functions import *  # noqa: F403 (limits and people fixtures)
from tests.support.functions import create, source
from tests.support.waiting import eventually

QUESTION = [{"role": "user", "content": "why sky blue"}]

# Says who runs it (its worker's pid), then waits far longer than anyone will.
SLOW_PIPE = '''
import os
import time


class Pipe:
    def pipe(self, body):
        yield f"{os.getpid()} "
        time.sleep(60)
        yield "never"
'''

FAILING_PIPE = '''
class Pipe:
    def pipe(self, body):
        yield "half "
        raise RuntimeError("the pipe broke")
'''


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_script_waits_for_the_pipe_answer_kept_in_the_chat(app, client, people):
    admin = people["admin"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    chat_id = await frontend_chat(client, admin["Authorization"].split()[1])
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "chat_id": chat_id, "id": "a1"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"] == ">why >sky >blue "
    token = admin["Authorization"].split()[1]
    node = await answer_node(client, token, chat_id, "a1")
    assert node["done"] is True and node["content"] == ">why >sky >blue "
    assert node["model"] == "word_pipe" and not node.get("error")
    await assert_in_step(app, chat_id)


async def test_the_frontend_gets_task_ids_and_the_pipe_answer_lands(app, client, people):
    admin = people["admin"]
    token = admin["Authorization"].split()[1]
    await create(client, admin, "word_pipe", source("word_pipe"))
    chat_id = await frontend_chat(client, token)
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "stream": True, "chat_id": chat_id,
        "id": "a1", "session_id": "sid-1"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] is True and reply.json()["chat_id"] == chat_id
    [task_id] = reply.json()["task_ids"]

    async def answered() -> bool:
        return (await answer_node(client, token, chat_id, "a1"))["done"] is True
    await eventually(answered)
    node = await answer_node(client, token, chat_id, "a1")
    assert node["content"] == ">why >sky >blue " and node["meta"]["task_id"] == task_id
    await assert_in_step(app, chat_id)


async def test_a_new_chat_keeps_the_pipe_answer(app, client, people):
    admin = people["admin"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "word_pipe", "messages": QUESTION, "parent_id": None})
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["choices"][0]["message"]["content"] == ">why >sky >blue "
    history = await assert_in_step(app, answer["chat_id"])
    [kept] = [m for m in history["messages"].values() if m["role"] == "assistant"]
    assert kept["content"] == ">why >sky >blue " and kept["done"] is True


async def test_stopping_the_task_kills_the_pipe_worker(app, client, people):
    admin = people["admin"]
    token = admin["Authorization"].split()[1]
    await create(client, admin, "slow_pipe", SLOW_PIPE)
    chat_id = await frontend_chat(client, token)
    began = time.monotonic()
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "slow_pipe", "messages": QUESTION, "chat_id": chat_id, "id": "a1",
        "session_id": "sid-1", "stream": True})
    [task_id] = reply.json()["task_ids"]
    transcripts = app.state.services.tasks.transcripts

    async def first_piece() -> bool:
        return bool(transcripts[task_id].content)
    await eventually(first_piece)
    pid = int(transcripts[task_id].content.split()[0])
    assert _alive(pid)
    stopped = await client.post(f"/api/tasks/stop/{task_id}", headers=admin)
    assert stopped.status_code == 200, stopped.text

    async def ended() -> bool:
        return (await answer_node(client, token, chat_id, "a1"))["done"] is True
    await eventually(ended)
    assert time.monotonic() - began < 5  # stopped, not ended by the 5 s wall limit

    async def killed() -> bool:
        return not _alive(pid)
    await eventually(killed)
    node = await answer_node(client, token, chat_id, "a1")
    assert node["content"] == f"{pid} " and "never" not in node["content"]
    assert node["statusHistory"][-1]["action"] == "stopped"

    async def unlisted() -> bool:  # the task leaves the list just after its last write
        tasks = await client.get(f"/api/tasks/chat/{chat_id}", headers=admin)
        return tasks.json() == {"task_ids": []}
    await eventually(unlisted)
    await assert_in_step(app, chat_id)


async def test_a_failing_pipe_leaves_its_failure_on_the_message(app, client, people):
    admin = people["admin"]
    token = admin["Authorization"].split()[1]
    await create(client, admin, "failing_pipe", FAILING_PIPE)
    chat_id = await frontend_chat(client, token)
    reply = await client.post("/api/chat/completions", headers=admin, json={
        "model": "failing_pipe", "messages": QUESTION, "chat_id": chat_id, "id": "a1"})
    assert reply.status_code == 502 and "the pipe broke" in reply.json()["detail"]
    node = await answer_node(client, token, chat_id, "a1")
    assert node["done"] is True and node["content"] == "half "
    assert node["statusHistory"][-1]["action"] == "failed" and node["error"]["content"]
    await assert_in_step(app, chat_id)


async def test_a_pipe_refuses_in_a_chat_who_may_not_use_it(app, client, people):
    admin, user = people["admin"], people["user"]
    await create(client, admin, "word_pipe", source("word_pipe"))
    chat_id = await frontend_chat(client, user["Authorization"].split()[1])
    before = await assert_in_step(app, chat_id)
    reply = await client.post("/api/chat/completions", headers=user, json={
        "model": "word_pipe", "messages": QUESTION, "chat_id": chat_id, "id": "a1",
        "session_id": "sid-1"})
    assert reply.status_code == 400 and reply.json() == {"detail": "Model not found"}
    assert await assert_in_step(app, chat_id) == before
