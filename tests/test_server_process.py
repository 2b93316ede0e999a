"""Against real server processes: the first-admin race, start-up errors, and sign-out
seen by a second instance on the same database."""

import asyncio
import subprocess
import sys

import httpx

from tests.support.server import ROOT, running_server


async def _signup(client: httpx.AsyncClient, i: int) -> httpx.Response:
    return await client.post("/api/v1/auths/signup", json={
        "name": f"Racer {i}", "email": f"racer{i}@example.com", "password": "pw-123456"})


async def test_ten_concurrent_first_signups_make_exactly_one_admin(tmp_path, database_url):
    env = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
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


async def test_signout_on_one_instance_is_seen_by_another(tmp_path, database_url):
    env = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
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


def test_bad_settings_stop_startup_with_one_line(tmp_path):
    for env, expected in [({"PORT": "eighty"}, "PORT='eighty'"),
                          ({"DATABASE_URL": "mysql://x/y"}, "not supported"),
                          ({"JWT_EXPIRES_IN": "forever"}, "invalid duration")]:
        result = subprocess.run(
            [sys.executable, "asgi.py"], cwd=ROOT, capture_output=True, text=True, timeout=30,
            env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path)} | env)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.stderr


def test_unreachable_services_stop_startup_with_one_line(tmp_path):
    for env, expected in [
        ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}, "cannot use the database"),
        ({"PUBSUB_URL": "redis://127.0.0.1:1/0"}, "cannot reach the pub/sub broker"),
    ]:
        result = subprocess.run(
            [sys.executable, "asgi.py"], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path)} | env)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.stderr
