"""The upstream HTTP client (aiohttp, set up in data/llm/http.py) through data/llm's
Upstreams, against small servers on real sockets: what the scripted model server does not
exercise (pooled connections a server dropped, the bound on connections in use, bodies
without a length, backpressure, runaway heads, credentials in the URL, compressed answers,
redirects, header hygiene)."""

import asyncio
import base64
import gzip
import json
import time

import pytest

from data.llm.base import (
    Connections,
    UpstreamBroken,
    UpstreamRefused,
    UpstreamUnreachable,
)
from data.llm.chat import read_chat
from data.llm.settings import UpstreamSettings
from data.llm.streams import Interruptible
from data.llm.upstreams import Upstreams
from tests.support.local_server import LocalServer
from tests.support.upstream import ScriptedUpstream


class RawServer(LocalServer):
    """Answers each request with `handler(request_number, connection_number, head)`:
    bytes to write, `Closing(bytes)` to write them and hang up, or None to hang up
    without answering (having read the request)."""

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


def ok(body: bytes = b'{"ok":true}', *headers: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            % len(body)) + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


def ollama(url: str, **config):
    return Connections.from_config({
        "ollama.enable": True, "ollama.base_urls": [url],
        "ollama.api_configs": {"0": config} if config else {},
        "openai.enable": False, "openai.api_base_urls": [], "openai.api_keys": [],
        "openai.api_configs": {}}).ollama[0]


@pytest.fixture
async def upstreams():
    service = Upstreams(UpstreamSettings(connect_timeout=0.5, idle_timeout=2,
                                         max_connections=4))
    yield service
    await service.aclose()


async def post(upstreams, server, path="/x", body=b"{}"):
    return await upstreams.open(ollama(server.url), "POST", path, body, Interruptible())


async def read_all(answer) -> bytes:
    try:
        return await answer.read_all(64 << 20)
    finally:
        await answer.aclose()


async def test_a_post_is_never_sent_twice_when_a_pooled_connection_drops(upstreams):
    """The first connection answers once, then reads the next request and hangs up (as a
    server does whose keep-alive ran out just as the request came, or that crashed while
    generating). The upstream may have acted on it, so it is not sent again."""
    def handler(request, connection, head):
        return ok(b'{"n":%d}' % request) if request == 1 else None

    async with RawServer(handler) as server:
        assert await read_all(await post(upstreams, server)) == b'{"n":1}'
        with pytest.raises(UpstreamBroken) as caught:
            await post(upstreams, server)
    assert len(server.requests) == 2 and server.connections == 1
    assert caught.value.message == ("Ollama connection 0 closed the connection before the "
                                    "answer was complete.")


async def test_a_get_on_a_pooled_connection_the_server_dropped_is_sent_again(upstreams):
    """Reading a model list changes nothing upstream: on a stale pooled connection it is
    sent once more, on a new one."""
    def handler(request, connection, head):
        return None if (connection, request) == (1, 2) else ok(b'{"n":%d}' % request)

    async with RawServer(handler) as server:
        assert await upstreams.get_json(ollama(server.url), "/api/tags") == {"n": 1}
        assert await upstreams.get_json(ollama(server.url), "/api/tags") == {"n": 3}
    assert server.connections == 2 and len(server.requests) == 3


async def test_a_huge_header_line_is_refused_as_it_arrives(upstreams):
    """A 32 MiB header line: the client gives up a few KiB in and hangs up, instead of
    buffering the line whole (and parsing it) before refusing it. What the server gets
    to write before it hears of that is what the sockets' buffers hold (a few MiB)."""
    size, piece = 32 << 20, 64 << 10
    sent = 0
    hung_up = asyncio.Event()

    class EndlessHead(LocalServer):
        async def _serve(self, reader, writer):
            nonlocal sent
            self._writers.add(writer)
            try:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nX-Filler: ")
                while sent < size:
                    writer.write(b"y" * piece)
                    await writer.drain()
                    sent += piece
            except ConnectionError:
                hung_up.set()
            finally:
                self._writers.discard(writer)
                writer.close()

    async with EndlessHead() as server:
        conn = ollama(f"http://127.0.0.1:{server.port}")
        cpu = time.thread_time()
        with pytest.raises(UpstreamBroken) as caught:
            await upstreams.open(conn, "POST", "/x", b"{}", Interruptible())
        cpu = time.thread_time() - cpu
        async with asyncio.timeout(5):
            await hung_up.wait()
    assert caught.value.message == "Ollama connection 0 answered something that is not valid HTTP."
    assert sent < size // 4, sent
    assert cpu < 1  # the server's writes included; the old client took 1.9 s on 8 MiB


async def test_an_answer_with_an_endless_head_is_refused(upstreams):
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Filler: %s\r\n" % (b"y" * 100) * 1000
    async with RawServer(lambda *_: head) as server:
        with pytest.raises(UpstreamBroken) as caught:
            await post(upstreams, server)
    assert "not valid HTTP" in caught.value.message


async def test_credentials_in_the_base_url_are_sent_as_basic_auth():
    async with ScriptedUpstream() as up, ScriptedUpstream() as keyed:
        service = Upstreams(UpstreamSettings(connect_timeout=2, idle_timeout=2))
        try:
            url = up.url.replace("http://", "http://user:s%40cret@")
            await service.get_json(ollama(url), "/api/version")
            # A connection with a key of its own sends its key instead.
            url = keyed.url.replace("http://", "http://user:pass@")
            await service.get_json(ollama(url, key="the-key"), "/api/version")
        finally:
            await service.aclose()
    sent = up.last("/api/version").headers
    assert sent["authorization"] == "Basic " + base64.b64encode(b"user:s@cret").decode()
    assert keyed.last("/api/version").headers["authorization"] == "Bearer the-key"


async def test_a_gzip_encoded_answer_is_decoded(upstreams):
    version = gzip.compress(b'{"version":"0.9.0"}')
    lines = gzip.compress(b"".join(json.dumps(
        {"message": {"content": f"t{i} "}, "done": i == 2}).encode() + b"\n"
        for i in range(3)))

    def handler(request, connection, head):
        if head.startswith(b"GET"):
            return ok(version, b"Content-Encoding: gzip")
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(lines)) + lines

    async with RawServer(handler) as server:
        assert await upstreams.version(ollama(server.url)) == "0.9.0"
        answer = await post(upstreams, server, "/api/chat")
        text = "".join([c.content async for c in read_chat(answer)])
        await answer.aclose()
    assert text == "t0 t1 t2 "
    assert b"gzip" in server.requests[0].lower()  # asked for: accept-encoding names it


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_redirect_is_a_clear_error_and_is_not_followed(upstreams, method):
    async with RawServer(lambda *_: ok()) as elsewhere:
        moved = (b"HTTP/1.1 308 Permanent Redirect\r\nLocation: %s/x\r\n"
                 b"Content-Length: 0\r\n\r\n" % elsewhere.url.encode())
        async with RawServer(lambda *_: moved) as server:
            with pytest.raises(UpstreamRefused) as caught:
                if method == "GET":
                    await upstreams.get_json(ollama(server.url), "/api/tags")
                else:
                    await post(upstreams, server)
    assert caught.value.status == 502
    assert caught.value.message.startswith("Ollama connection 0 answered with a redirect "
                                           "(HTTP 308)")
    assert elsewhere.requests == [] and len(server.requests) == 1


async def test_connections_in_use_are_bounded_and_waiting_for_one_times_out():
    def handler(request, connection, head):
        if request == 1:
            return (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n8\r\n{\"a\":1}\n\r\n")
        return ok()

    service = Upstreams(UpstreamSettings(connect_timeout=0.3, idle_timeout=5,
                                         max_connections=1))
    try:
        async with RawServer(handler) as server:
            held = await post(service, server)
            assert await held.next_chunk() == b'{"a":1}\n'
            with pytest.raises(UpstreamUnreachable) as caught:
                await post(service, server)
            assert "did not accept a connection in time" in caught.value.message
            await held.aclose()  # half-read: its connection is closed and its slot freed
            assert await read_all(await post(service, server)) == b'{"ok":true}'
        assert server.connections == 2
    finally:
        await service.aclose()


async def test_a_body_without_a_length_ends_with_the_connection(upstreams):
    body = json.dumps({"answer": "x" * 5000}).encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    async with RawServer(lambda *_: Closing(head + body)) as server:
        assert await upstreams.get_json(ollama(server.url), "/x") == {"answer": "x" * 5000}
    assert b"content-length" not in server.requests[0].lower()  # a GET without a body


async def test_a_configured_header_cannot_split_the_request(upstreams):
    async with RawServer(lambda *_: ok()) as server:
        conn = ollama(server.url, headers={"X-Fine": "yes", "X-Evil": "a\r\nInjected: 1",
                                           "Bad Name": "x"})
        await read_all(await upstreams.open(conn, "POST", "/x", b"{}", Interruptible()))
    head = server.requests[0]
    assert b"X-Fine: yes\r\n" in head and b"Injected" not in head and b"Bad Name" not in head


async def test_a_slow_reader_pauses_the_socket_instead_of_buffering_everything(upstreams):
    size = 8 << 20
    async with RawServer(lambda *_: ok(b"z" * size)) as server:
        answer = await post(upstreams, server)
        await asyncio.sleep(0.3)  # the server writes as fast as it can meanwhile
        taken = answer.response.raw.content.total_bytes  # read off the socket so far
        assert taken < 1 << 20
        assert len(await read_all(answer)) == size


async def test_bytes_after_an_answer_keep_the_answer_but_not_the_connection(upstreams):
    def handler(request, connection, head):
        return ok(b'{"n":%d}' % request) + (ok(b"unasked") if request == 1 else b"")

    async with RawServer(handler) as server:
        assert await read_all(await post(upstreams, server)) == b'{"n":1}'
        await asyncio.sleep(0.05)
        assert await read_all(await post(upstreams, server)) == b'{"n":2}'
    assert server.connections == 2


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://[::1", "http://a b",
                                 "http://:80", "http://host:abc", "ftp://x"])
async def test_a_base_url_that_cannot_be_called_is_unreachable(upstreams, url):
    """Admins may save any URL: one the client cannot call is a clear error naming the
    connection, never another exception."""
    with pytest.raises(UpstreamUnreachable) as caught:
        await upstreams.open(ollama(url), "POST", "/api/chat", b"{}", Interruptible())
    assert caught.value.message == "Ollama connection 0 is unreachable."
