"""The HTTP protocol asgi.py serves with: a response's head leaves in the same write as
its first body bytes, or at the end of the loop's pass when no body follows in it; the
order of everything written never changes."""

import asyncio
import json
import socket

from http_protocol import HeadWithBody
from tests.support.ai import *  # noqa: F403 (a scripted upstream, the app served live)
from tests.support.server import serving_in_loop

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n"


class Recording(asyncio.Transport):
    """What reached the socket's side, one entry per write."""

    def __init__(self):
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data):
        self.writes.append(bytes(data))

    def writelines(self, lines):
        self.writes.append(b"".join(lines))

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True

    def is_closing(self):
        return self.closed or self.aborted

    def get_write_buffer_size(self):
        return 0


async def test_a_head_and_the_body_written_after_it_leave_as_one_write():
    sent = Recording()
    transport = HeadWithBody(sent, asyncio.get_running_loop())
    transport.write(HEAD)
    assert sent.writes == [] and transport.get_write_buffer_size() == len(HEAD)
    transport.write(b"5\r\nhello\r\n")
    transport.write(b"0\r\n\r\n")
    assert sent.writes == [HEAD + b"5\r\nhello\r\n", b"0\r\n\r\n"]
    await asyncio.sleep(0)
    assert len(sent.writes) == 2  # nothing is sent twice


async def test_a_head_without_a_body_in_the_same_pass_leaves_at_its_end():
    sent = Recording()
    transport = HeadWithBody(sent, asyncio.get_running_loop())
    transport.write(HEAD)
    await asyncio.sleep(0)
    assert sent.writes == [HEAD]
    transport.write(b"body that starts later")
    assert sent.writes == [HEAD, b"body that starts later"]


async def test_closing_sends_the_head_first_and_aborting_drops_it():
    loop = asyncio.get_running_loop()
    closed = Recording()
    transport = HeadWithBody(closed, loop)
    transport.write(HEAD)
    transport.close()
    assert closed.writes == [HEAD] and closed.closed
    await asyncio.sleep(0)
    assert closed.writes == [HEAD]  # the pass's end finds nothing left to send

    aborted = Recording()
    transport = HeadWithBody(aborted, loop)
    transport.write(HEAD)
    transport.abort()
    await asyncio.sleep(0)
    assert aborted.writes == [] and aborted.aborted

    lines = Recording()
    transport = HeadWithBody(lines, loop)
    transport.write(HEAD)
    transport.writelines([b"a", b"b"])
    assert lines.writes == [HEAD, b"ab"]


async def test_bodies_that_look_like_nothing_in_particular_pass_at_once():
    sent = Recording()
    transport = HeadWithBody(sent, asyncio.get_running_loop())
    for data in (b"HTTP/1.1 but not a head", b"{}\r\n\r\n", b""):
        transport.write(data)
    assert sent.writes == [b"HTTP/1.1 but not a head", b"{}\r\n\r\n", b""]


async def read_first(port: int, request: bytes) -> bytes:
    """The first bytes a client can read after sending `request`. The client blocks in
    its own thread, so it wakes on the first write that reaches the socket rather than
    when this event loop next lets it run."""

    def blocking() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(request)
            return sock.recv(1 << 16)

    return await asyncio.to_thread(blocking)


async def test_a_served_answer_reaches_the_client_with_its_body(app):
    async with serving_in_loop(app) as base:
        port = int(base.rsplit(":", 1)[1])
        first = await read_first(port, b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
    head, _, body = first.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body  # head and body in one read


async def test_a_proxied_stream_reaches_the_client_with_its_first_line(app, live, upstream,
                                                                       accounts):
    await accounts.admin()
    upstream.script("llama3:8b", chunks=3, delay=0.2)
    token = accounts.admin_token
    body = json.dumps({"model": "llama3:8b", "stream": True,
                       "messages": [{"role": "user", "content": "hi"}]}).encode()
    request = (b"POST /ollama/api/chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
               b"\r\nAuthorization: Bearer " + token.encode() + b"\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)
    first = await read_first(int(live.rsplit(":", 1)[1]), request)
    head, _, chunk = first.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head
    size, _, line = chunk.partition(b"\r\n")
    assert json.loads(line[:int(size, 16)])["message"]["role"] == "assistant"
