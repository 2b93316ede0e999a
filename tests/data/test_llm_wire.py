"""The upstream HTTP client (data/llm/wire.py) against small servers on real sockets:
what the scripted model server does not exercise (stale pooled connections, the bound
on connections in use, bodies without a length, backpressure, header hygiene)."""

import asyncio
import json

import pytest

from data.llm.wire import HIGH_WATER, WireClient, WireError
from tests.support.local_server import LocalServer


class RawServer(LocalServer):
    """Answers each request with `handler(request_number, connection_number, head)`:
    bytes to write, `Closing(bytes)` to write them and hang up, or None to hang up
    without answering."""

    def __init__(self, handler):
        super().__init__()
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader, writer):
        self._writers.add(writer)
        self.connections += 1
        number = self.connections
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                self.requests.append(head)
                answer = self.handler(len(self.requests), number, head)
                if answer is None:
                    break
                writer.write(bytes(answer))
                await writer.drain()
                if isinstance(answer, Closing):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()


class Closing(bytes):
    """An answer after which the server closes the connection."""


def ok(body: bytes = b'{"ok":true}') -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % len(body)) + body


@pytest.fixture
async def client():
    wire = WireClient(connect_timeout=0.5, idle_timeout=2, max_connections=4)
    yield wire
    await wire.aclose()


async def read_all(response) -> bytes:
    parts = []
    while (chunk := await response.read_chunk()) is not None:
        parts.append(chunk)
    return b"".join(parts)


async def test_a_request_on_a_pooled_connection_the_server_dropped_is_sent_again(client):
    # The first connection answers once, then reads the next request and hangs up (as a
    # server does whose keep-alive ran out just as the request came).
    def handler(request, connection, head):
        return ok(b'{"n":%d}' % request) if not (connection == 1 and request == 2) else None

    async with RawServer(handler) as server:
        first = await client.request("POST", server.url, "/x", {}, b"{}")
        assert await read_all(first) == b'{"n":1}'
        second = await client.request("POST", server.url, "/x", {}, b"{}")
        assert await read_all(second) == b'{"n":3}'
    assert server.connections == 2 and len(server.requests) == 3


async def test_a_new_connection_closed_without_an_answer_is_an_error(client):
    async with RawServer(lambda *_: None) as server:
        with pytest.raises(WireError) as caught:
            await client.request("POST", server.url, "/x", {}, b"{}")
    assert caught.value.kind == "broken" and len(server.requests) == 1


async def test_connections_in_use_are_bounded_and_waiting_for_one_times_out():
    def handler(request, connection, head):
        if request == 1:
            return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nfirst\r\n")
        return ok()

    wire = WireClient(connect_timeout=0.3, idle_timeout=5, max_connections=1)
    try:
        async with RawServer(handler) as server:
            held = await wire.request("POST", server.url, "/x", {}, b"{}")
            assert await held.read_chunk() == b"first"
            with pytest.raises(WireError) as caught:
                await wire.request("POST", server.url, "/x", {}, b"{}")
            assert caught.value.kind == "slow_connect"
            held.close()  # half-read: its connection is closed and its slot freed
            answer = await wire.request("POST", server.url, "/x", {}, b"{}")
            assert await read_all(answer) == b'{"ok":true}'
        assert server.connections == 2
    finally:
        await wire.aclose()


async def test_a_body_without_a_length_ends_with_the_connection(client):
    body = json.dumps({"answer": "x" * 5000}).encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    async with RawServer(lambda *_: Closing(head + body)) as server:
        answer = await client.request("GET", server.url, "/x", {}, None)
        assert answer.status == 200
        assert await read_all(answer) == body
    assert b"Content-Length" not in server.requests[0]  # a GET without a body


async def test_a_configured_header_cannot_split_the_request(client):
    async with RawServer(lambda *_: ok()) as server:
        answer = await client.request("POST", server.url, "/x", {
            "X-Fine": "yes", "X-Evil": "a\r\nInjected: 1"}, b"{}")
        await read_all(answer)
    head = server.requests[0]
    assert b"X-Fine: yes\r\n" in head and b"Injected" not in head


async def test_a_slow_reader_pauses_the_socket_instead_of_buffering_everything(client):
    size = 8 * 1024 * 1024
    async with RawServer(lambda *_: ok(b"z" * size)) as server:
        answer = await client.request("POST", server.url, "/x", {}, b"{}")
        await asyncio.sleep(0.3)  # the server writes as fast as it can meanwhile
        buffered = answer._connection.buffered
        assert buffered < 2 * HIGH_WATER
        total = len(await read_all(answer))
    assert total == size


async def test_an_answer_with_an_endless_head_is_refused(client):
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Filler: %s\r\n" % (b"y" * 1000) * 100
    async with RawServer(lambda *_: head) as server:
        with pytest.raises(WireError) as caught:
            await client.request("POST", server.url, "/x", {}, b"{}")
    assert caught.value.kind == "not_http"


async def test_bytes_after_an_answer_keep_the_answer_but_not_the_connection(client):
    def handler(request, connection, head):
        return ok(b'{"n":%d}' % request) + (ok(b"unasked") if request == 1 else b"")

    async with RawServer(handler) as server:
        first = await client.request("POST", server.url, "/x", {}, b"{}")
        assert await read_all(first) == b'{"n":1}'
        second = await client.request("POST", server.url, "/x", {}, b"{}")
        assert await read_all(second) == b'{"n":2}'
    assert server.connections == 2
