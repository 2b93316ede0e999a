"""A request body has BODY_READ_TIMEOUT to arrive whole (compat_rest/edge.py): a client
that stalls part-way gets a 408 in its path's dialect and the connection closes; one that
leaves part-way is one log line, never a traceback. Real sockets against uvicorn."""

import asyncio
import logging
from urllib.parse import urlsplit

import pytest

from data.settings import SettingsError, load_settings
from tests.compat_rest.scim.conftest import TOKEN as SCIM_TOKEN
from tests.support.server import serving_in_loop
from tests.support.waiting import eventually

TIMEOUT = 0.5


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"BODY_READ_TIMEOUT": str(TIMEOUT), "ENABLE_SCIM": "true", "SCIM_TOKEN": SCIM_TOKEN}


def head_and_half_a_body(path: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: parley.test\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {SCIM_TOKEN}\r\nContent-Length: 100\r\n\r\n"
            '{"email": "ada@exa').encode()


async def connect(base: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    address = urlsplit(base)
    return await asyncio.open_connection(address.hostname, address.port)


# The Open WebUI dialect, a relay route served past the middleware (compat_rest/direct.py),
# SCIM's dialect and GraphQL's.
@pytest.mark.parametrize(("path", "dialect_key"), [
    ("/api/v1/auths/signin", b'"detail"'), ("/openai/chat/completions", b'"error"'),
    ("/scim/v2/Users", b'"status":"408"'),
    ("/graphql", b'"errors"')])
async def test_a_stalled_body_gets_a_408_and_the_connection_closes(app, path, dialect_key,
                                                                    caplog):
    caplog.set_level(logging.INFO, "parley.http")
    async with serving_in_loop(app) as base:
        reader, writer = await connect(base)
        writer.write(head_and_half_a_body(path))
        await writer.drain()
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = await asyncio.wait_for(reader.read(), 10)  # until the server closes
        waited = loop.time() - started
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert dialect_key in answer.replace(b" ", b""), answer
    assert TIMEOUT * 0.8 <= waited < TIMEOUT + 3
    lines = [r for r in caplog.records if r.name == "parley.http"]
    assert len(lines) == 1 and "408" in lines[0].getMessage() and lines[0].exc_info is None


async def test_a_client_that_leaves_mid_body_is_one_log_line(app, caplog):
    caplog.set_level(logging.INFO)
    async with serving_in_loop(app) as base:
        reader, writer = await connect(base)
        writer.write(head_and_half_a_body("/api/v1/auths/signin"))
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.close()
        await writer.wait_closed()

        async def logged() -> bool:
            return any(r.name == "parley.http" for r in caplog.records)

        await eventually(logged)
        await asyncio.sleep(0.1)  # room for anything else the departure would log
    ours = [r for r in caplog.records if r.name == "parley.http"]
    assert len(ours) == 1 and "left" in ours[0].getMessage()
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


async def test_a_body_that_arrives_in_time_is_served(app):
    async with serving_in_loop(app) as base:
        reader, writer = await connect(base)
        body = b'{"email": "nobody@example.com", "password": "x"}'
        writer.write(b"POST /api/v1/auths/signin HTTP/1.1\r\nHost: parley.test\r\n"
                     b"Content-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        await writer.drain()
        await asyncio.sleep(TIMEOUT / 2)
        writer.write(body[10:])
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]  # wrong credentials: served


def test_the_timeout_is_a_number_of_seconds(tmp_path):
    base = {"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k" * 32}
    assert load_settings(base).body_read_timeout == 60
    assert load_settings(base | {"BODY_READ_TIMEOUT": "2.5"}).body_read_timeout == 2.5
    for bad in ("soon", "0", "-1", "86400"):
        with pytest.raises(SettingsError, match="BODY_READ_TIMEOUT"):
            load_settings(base | {"BODY_READ_TIMEOUT": bad})
