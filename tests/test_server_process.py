"""Against real server processes: the first-admin race, start-up errors, sign-out seen
by a second instance on the same database, and stopping with streams open."""

import asyncio
import subprocess
import sys
import time

import httpx

from asgi import create_app
from tests.conftest import make_settings
from tests.support.chats import stored
from tests.support.server import ROOT, running_server
from tests.support.upstream import ScriptedUpstream


async def _signup(client: httpx.AsyncClient, i: int) -> httpx.Response:
    return await client.post("/api/v1/auths/signup", json={
        "name": f"Racer {i}", "email": f"racer{i}@example.com", "password": "pw-123456"})


async def test_ten_concurrent_first_signups_make_exactly_one_admin(tmp_path, empty_database_url):
    env = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": empty_database_url,
           "WEBUI_SECRET_KEY": "race-secret", "ENABLE_SIGNUP": "true",
           "DEFAULT_USER_ROLE": "user"}
    with running_server(env) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            responses = await asyncio.gather(*(_signup(client, i) for i in range(10)))
    admins = [r for r in responses if r.status_code == 200 and r.json()["role"] == "admin"]
    refused = [r for r in responses if r.status_code == 403]
    assert len(admins) == 1, [r.text for r in responses]
    # The first sign-up closed sign-up: everyone after it was refused, nobody got a 500.
    assert len(admins) + len(refused) == 10


async def test_signout_on_one_instance_is_seen_by_another(tmp_path, empty_database_url):
    env = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": empty_database_url,
           "WEBUI_SECRET_KEY": "shared-secret"}
    with running_server(env) as first, running_server(env) as second:
        async with httpx.AsyncClient(timeout=30) as client:
            signup = await client.post(f"{first}/api/v1/auths/signup", json={
                "name": "Ada", "email": "ada@example.com", "password": "pw-123456"})
            headers = {"Authorization": f"Bearer {signup.json()['token']}"}
            assert (await client.get(f"{second}/api/v1/auths/", headers=headers)
                    ).status_code == 200
            await client.post(f"{first}/api/v1/auths/signout", headers=headers)
            assert (await client.get(f"{second}/api/v1/auths/", headers=headers)
                    ).status_code == 401


def test_a_fresh_data_dir_is_created_and_the_start_up_says_where_things_are(tmp_path):
    """A newcomer's first start: DATA_DIR does not exist yet (Open WebUI creates it too),
    and once serving, one short block names the data, GraphiQL and the first sign-up."""
    data_dir = tmp_path / "not" / "yet" / "here"
    printed = tmp_path / "server.log"
    # A secret from the environment: nothing else then writes into DATA_DIR first.
    env = {"DATA_DIR": str(data_dir), "WEBUI_SECRET_KEY": "fresh-secret"}
    with running_server(env, output=printed) as base:
        assert httpx.get(f"{base}/api/config", timeout=10).status_code == 200
    assert (data_dir / "webui.db").is_file()
    log = printed.read_text()
    port = base.rsplit(":", 1)[1]
    assert f"data:     {data_dir} (SQLite file {data_dir / 'webui.db'})" in log
    assert f"GraphiQL: http://127.0.0.1:{port}/graphql" in log
    assert "the first sign-up becomes the administrator" in log
    assert "Traceback" not in log


def _start_ups(tmp_path, envs: list[dict[str, str]], timeout: float
               ) -> list[subprocess.CompletedProcess]:
    """Start `python asgi.py` once per environment, all at once (each start-up mostly
    imports), and wait for each to end."""
    processes = [subprocess.Popen(
        [sys.executable, "asgi.py"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / str(i))} | env)
        for i, env in enumerate(envs)]
    results = []
    for process in processes:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        finally:
            process.kill()
            process.wait()
        results.append(subprocess.CompletedProcess(process.args, process.returncode,
                                                   stdout, stderr))
    return results


def test_bad_settings_stop_startup_with_one_line(tmp_path):
    cases = [({"PORT": "eighty"}, "PORT='eighty'"),
             ({"DATABASE_URL": "mysql://x/y"}, "not supported"),
             ({"JWT_EXPIRES_IN": "forever"}, "invalid duration")]
    results = _start_ups(tmp_path, [env for env, _ in cases], timeout=30)
    for (_, expected), result in zip(cases, results, strict=True):
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.stderr


def test_unreachable_services_stop_startup_with_one_line(tmp_path):
    cases = [
        ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}, "cannot use the database"),
        ({"PUBSUB_URL": "redis://127.0.0.1:1/0"}, "cannot reach the pub/sub broker"),
    ]
    results = _start_ups(tmp_path, [env for env, _ in cases], timeout=60)
    for (_, expected), result in zip(cases, results, strict=True):
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.stderr


async def test_a_stop_signal_ends_waiting_requests_and_keeps_the_answer(tmp_path):
    """SIGTERM while a script waits on the chat-bound `/api/chat/completions` for a long
    answer: the process ends after the grace period (not when the answer would), and the
    answer's partial text is kept, marked as cut short."""
    database_url = f"sqlite:///{tmp_path / 'webui.db'}"
    async with ScriptedUpstream() as upstream:
        upstream.script("llama3:8b", chunks=1000, delay=0.05)
        env = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
               "WEBUI_SECRET_KEY": "grace-secret", "OLLAMA_BASE_URLS": upstream.url,
               "GRACEFUL_SHUTDOWN_TIMEOUT": "1"}
        with running_server(env) as base:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                signup = await client.post("/api/v1/auths/signup", json={
                    "name": "Ada", "email": "ada@example.com", "password": "pw-123456"})
                headers = {"Authorization": f"Bearer {signup.json()['token']}"}
                chat = await client.post("/api/v1/chats/new", headers=headers,
                                         json={"chat": {"title": "Long"}})
                chat_id = chat.json()["id"]
                waiting = asyncio.ensure_future(client.post(
                    "/api/chat/completions", headers=headers, json={
                        "model": "llama3:8b", "chat_id": chat_id, "id": "a1",
                        "messages": [{"role": "user", "content": "Tell me everything."}]}))
                # Stop once the answer is under way (a fixed pause was too short on a
                # busy machine): a few pieces have left the upstream.
                await upstream.pieces_sent(3)
                stopping = time.monotonic()
        assert time.monotonic() - stopping < 8  # not the 50 s the answer would take
        await asyncio.gather(waiting, return_exceptions=True)
    app = create_app(make_settings(tmp_path, database_url))
    async with app.router.lifespan_context(app):
        _, rows = await stored(app, chat_id)
    assert rows["a1"].done is True and rows["a1"].content.startswith("tok0 ")
    assert rows["a1"].error["reason"] == "shutdown"
