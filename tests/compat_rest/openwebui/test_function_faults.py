"""Functions that misbehave, each in a real worker process under small limits, on SQLite
and PostgreSQL: the call fails with a clear error naming the cause (502, as a failing
upstream; 503 when every worker is busy too long), the worker is replaced, and the
server and the next call carry on."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.functions import *  # noqa: F403 (limits and people fixtures)
from tests.support.functions import LIMITS, V1, create, source

PIPE = "class Pipe:\n    def pipe(self, body):\n{}\n"
FAULTS = {
    "cpu": ("        while True:\n            pass", "CPU time limit"),
    "timeout": ("        import time\n        time.sleep(30)", "ran longer than its time limit"),
    "memory": ("        return len(bytearray(2 * 1024 ** 3))", "memory limit"),
    "output": ("        print('x' * 100_000_000)", "output limit"),
    "raised": ("        raise ValueError('no such thing')", "ValueError: no such thing"),
    "exit": ("        import os\n        os._exit(3)", "exited (status 3)"),
    "fork": ("        import os\n        os.fork()\n        return 'forked'", "forked"),
    "garbage": ("        import os\n        os.write(3, b'not json\\n')\n        return 1",
                "not the protocol"),
    "write": ("        open('/tmp/parley-function-escape', 'w').write('x')",
              "only inside their working directory"),
}


@pytest.fixture
def env_overrides(request) -> dict[str, str]:
    """The CPU case gets a wall limit far beyond its CPU limit: on a loaded machine one
    CPU-second can take many seconds of wall time, and the CPU limit must be what ends it."""
    fault = getattr(request.node, "callspec", None) and request.node.callspec.params.get(
        "fault")
    return LIMITS | ({"FUNCTION_TIMEOUT_MS": "120000"} if fault == "cpu" else {})


def _pipe(body: str) -> str:
    return PIPE.format(body)


async def _execute(client, who, function_id: str, body: dict | None = None):
    return await client.post(f"/api/functions/{function_id}/execute", headers=who,
                             json=body or {"messages": [{"role": "user", "content": "a b"}]})


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_a_failing_function_fails_its_call_and_nothing_else(app, client, people,
                                                                  fault):
    admin = people["admin"]
    await create(client, admin, "good", source("word_pipe"))
    body, cause = FAULTS[fault]
    await create(client, admin, "bad", _pipe(body))
    failed = await _execute(client, admin, "bad")
    assert failed.status_code == 502, failed.text
    assert cause in failed.json()["detail"]
    # The server answers, and the next call gets a sound worker.
    assert (await client.get(f"{V1}/", headers=admin)).status_code == 200
    good = await _execute(client, admin, "good")
    assert good.status_code == 200 and good.json() == {"result": ">a >b "}


async def test_the_worker_sees_no_secret_and_cannot_read_the_database(
        app, client, people, settings, monkeypatch):
    monkeypatch.setenv("WEBUI_SECRET_KEY", "server-secret-never-shown")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    admin = people["admin"]
    await create(client, admin, "env", _pipe("        import os\n"
                                             "        return dict(os.environ)"))
    seen = (await _execute(client, admin, "env")).json()["result"]
    assert "WEBUI_SECRET_KEY" not in seen and "DATABASE_URL" not in seen
    assert set(seen) <= {"PATH", "LANG", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE"}
    await create(client, admin, "reader", _pipe("        return open(body['path']).read()"))
    target = str(settings.data_dir / ".webui_secret_key") if not settings.is_sqlite else \
        settings.database_url.split("///", 1)[1]
    (settings.data_dir / ".webui_secret_key").write_text("kept on disk")
    read = await _execute(client, admin, "reader", {"path": target})
    assert read.status_code == 502 and "may not read the server's files" in \
        read.json()["detail"]


async def test_calls_beyond_the_pool_wait_then_get_a_503(client, people):
    admin = people["admin"]
    await create(client, admin, "slow", _pipe("        import time\n"
                                              "        time.sleep(2)\n        return 'done'"))
    answers = await asyncio.gather(*[_execute(client, admin, "slow") for _ in range(3)])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 200, 503], [a.text for a in answers]
    busy = next(a for a in answers if a.status_code == 503)
    assert "busy" in busy.json()["detail"]


async def test_a_stream_that_fails_midway_ends_with_an_error_event(client, people):
    admin = people["admin"]
    await create(client, admin, "halting", _pipe("        yield 'first '\n"
                                                 "        raise RuntimeError('halted')"))
    streamed = await client.post("/api/chat/completions", headers=admin, json={
        "model": "halting", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert streamed.status_code == 200
    assert '"content": "first "' in streamed.text
    assert "RuntimeError: halted" in streamed.text and streamed.text.endswith(
        "data: [DONE]\n\n")


async def test_a_running_call_is_a_task_that_can_be_stopped(client, people):
    admin, user = people["admin"], people["user"]
    await create(client, admin, "sleeper", "class Action:\n    def action(self, body):\n"
                                           "        import time\n        time.sleep(20)\n")
    await create(client, admin, "good", source("word_pipe"))
    call = asyncio.ensure_future(_execute(client, user, "sleeper"))
    for _ in range(100):
        listed = (await client.get("/api/tasks", headers=admin)).json()["items"]
        running = [t for t in listed if t["kind"] == "function"]
        if running:
            break
        await asyncio.sleep(0.05)
    assert running and running[0]["model"] == "sleeper"
    assert running[0]["user_id"] == people["user_id"]
    stopped = await client.post(f"/api/tasks/stop/{running[0]['id']}", headers=admin)
    assert stopped.json()["status"] is True
    answer = await asyncio.wait_for(call, 4)  # well before the sleep or the wall limit
    assert answer.status_code == 499 and "stopped" in answer.json()["detail"]
    assert [t for t in (await client.get("/api/tasks", headers=admin)).json()["items"]
            if t["kind"] == "function"] == []
    assert (await _execute(client, admin, "good")).status_code == 200
