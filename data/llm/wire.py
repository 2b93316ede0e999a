"""The HTTP/1.1 client under every upstream call: asyncio Protocols, httptools' C parser.

Why a client of our own: on a proxied request, the upstream client was most of Parley's
own time before the first byte. Measured here (a streamed answer, keep-alive): httpx on
aiohttp 0.28 ms of CPU per request, aiohttp alone 0.11 ms, this protocol 0.05 ms; and
time spent there is paid several times over when the request wakes an idle process.
Upstream calls need little of a general client: one request per connection at a time,
JSON bodies of known length, answers read as they arrive.

What it does: keep-alive connections pooled per origin, at most `max_connections` in use;
TLS; HTTP proxies from the environment (absolute-form requests for http, CONNECT tunnels
for https); a connect timeout (waiting for a free slot included); an idle timeout on
every wait for data, never a total one; backpressure (a slow reader pauses the socket).
Failures are WireErrors whose `kind` says what happened, never what the peer sent.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time

import httptools

from data.llm.addresses import (
    BROKEN,
    IDLE,
    NOT_HTTP,
    SLOW_CONNECT,
    UNREACHABLE,
    Address,
    EnvironmentProxies,
    WireError,
    address_for,
)

HIGH_WATER = 512 * 1024  # bytes read ahead of the reader before the socket is paused
MAX_HEAD = 64 * 1024  # header bytes an answer may have
KEEP_IDLE = 30.0  # seconds an unused connection stays in the pool
USER_AGENT = "Parley"

def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_exception(WireError(IDLE))


class _Connection(asyncio.Protocol):
    """One socket, one request at a time. httptools calls the on_* methods as it parses;
    the reader waits on `_waiter`, which they wake."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future | None = None
        self._tunnel_reply: bytearray | None = None
        self._reset()

    def _reset(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.head_done = self.complete = self.received = self.framed = False
        self.keep_alive = False
        self.head_size = 0
        self.error: str | None = None
        self.in_use = False
        self._paused = False

    # ---- the socket's side ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._tunnel_reply is not None:
            self._tunnel_reply += data
            self._wake()
            return
        if not self.in_use:  # nothing was asked: a peer talking out of turn is not reused
            self.close()
            return
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail(NOT_HTTP)
        except httptools.HttpParserUpgrade:
            self._fail(NOT_HTTP)  # an upgrade was never asked for

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_done and not self.framed and not self.complete and self.error is None:
            self.complete = True  # a body without a length ends where the connection does
        elif not self.complete:
            self.error = self.error or BROKEN
        self._wake()

    def pause_writing(self) -> None:  # request bodies are small: nothing to hold back
        pass

    def resume_writing(self) -> None:
        pass

    # ---- httptools' callbacks --------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.complete:  # bytes after the answer: nothing was asked, so never reuse this
            raise ValueError("data after the answer")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_size += len(name) + len(value)
        if self.head_size > MAX_HEAD:  # raised through the parser: not an answer we read
            raise ValueError("the answer's head is too large")
        key = name.decode("latin-1").lower()
        if key == "content-length" or (key == "transfer-encoding"
                                       and b"chunked" in value.lower()):
            self.framed = True
        self.headers[key] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if self.status >= 200:  # an interim 1xx answer is followed by the real one
            self.head_done = True
            self.keep_alive = self.parser.should_keep_alive()  # unknown once it is parsed
            self._wake()
        else:
            self.headers = {}

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.head_done:
            self.complete = True
            self._wake()

    # ---- the reader's side -----------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, kind: str) -> None:
        self.error = self.error or kind
        self.close()
        self._wake()

    async def _wait(self, timeout: float) -> None:  # noqa: ASYNC109 (a timer per wait)
        self._waiter = waiter = self.loop.create_future()
        timer = self.loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def send(self, data: bytes) -> None:
        self._reset()
        self.in_use = True
        if self.closed or self.transport is None or self.transport.is_closing():
            self.error = BROKEN
            return
        self.transport.write(data)

    async def read_head(self, timeout: float) -> None:  # noqa: ASYNC109
        while not self.head_done:
            if self.error is not None:
                raise WireError(self.error)
            await self._wait(timeout)

    async def read_chunk(self, timeout: float) -> bytes | None:  # noqa: ASYNC109
        """What has arrived of the body (waiting for it if nothing has), None at its end."""
        while True:
            if self.chunks:
                chunks = self.chunks
                data = chunks.popleft() if len(chunks) == 1 else b"".join(chunks)
                chunks.clear()
                self.buffered = 0
                if self._paused and self.transport is not None:
                    self._paused = False
                    self.transport.resume_reading()
                return data
            if self.complete:
                return None
            if self.error is not None:
                raise WireError(self.error)
            await self._wait(timeout)

    async def tunnel(self, connect: bytes, timeout: float) -> int:  # noqa: ASYNC109
        """Ask the proxy for a tunnel; its answer's status. Nothing else may have been sent."""
        self._tunnel_reply = reply = bytearray()
        assert self.transport is not None
        self.transport.write(connect)
        while b"\r\n\r\n" not in reply:
            if self.closed or len(reply) > 16384:
                raise WireError(UNREACHABLE)
            await self._wait(timeout)
        self._tunnel_reply = None
        status_line = bytes(reply).split(b"\r\n", 1)[0].split()
        if len(status_line) < 2 or not status_line[1].isdigit():
            raise WireError(UNREACHABLE)
        return int(status_line[1])

    @property
    def reusable(self) -> bool:
        return self.complete and self.keep_alive and self.error is None and not self.closed

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class WireResponse:
    """An answer whose head has arrived. Read its body with `read_chunk`; at its end the
    connection goes back to the pool. `close()` before the end closes the connection,
    which is what tells the upstream to stop (closing again does nothing)."""

    def __init__(self, client: WireClient, address: Address, connection: _Connection):
        self._client, self._address, self._connection = client, address, connection
        self.status = connection.status
        self.headers = connection.headers
        self._open = True

    async def read_chunk(self) -> bytes | None:
        """The next bytes of the body, None at its end (the connection is then released)."""
        chunk = await self._connection.read_chunk(self._client.idle_timeout)
        if chunk is None:
            self.close()
        return chunk

    def close(self) -> None:
        if self._open:
            self._open = False
            self._client._release(self._address, self._connection)


class WireClient:
    def __init__(self, *, connect_timeout: float, idle_timeout: float, max_connections: int,
                 verify_tls: bool = True, proxies: EnvironmentProxies | None = None):
        self.connect_timeout, self.idle_timeout = connect_timeout, idle_timeout
        self.max_connections, self.verify_tls, self.proxies = (
            max_connections, verify_tls, proxies)
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[tuple, list[_Connection]] = {}
        self._addresses: dict[str, Address] = {}
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    async def request(self, method: str, base_url: str, path: str, headers: dict[str, str],
                      body: bytes | None) -> WireResponse:
        """Send a request and wait for its answer's head (not its body)."""
        address = self._addresses.get(base_url)
        if address is None:
            address = self._addresses[base_url] = address_for(base_url, self.proxies)
        data = _encode(method, address, path, headers, body)
        await self._take_slot()
        connection = None
        try:
            connection = self._pooled(address)
            while True:
                if connection is None:
                    connection = await self._connect(address)
                connection.send(data)
                try:
                    await connection.read_head(self.idle_timeout)
                    return WireResponse(self, address, connection)
                except WireError as error:
                    connection.close()
                    # A pooled connection the server had just closed: the request was
                    # never read, so it is sent once more on a new one.
                    if not (connection.reused and not connection.received
                            and error.kind == BROKEN):
                        raise
                    connection = None
        except BaseException:
            if connection is not None:
                connection.close()
            self._slots.release()
            raise

    async def _take_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # returns at once: a slot is free
            return
        try:
            async with asyncio.timeout(self.connect_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise WireError(SLOW_CONNECT) from None

    def _pooled(self, address: Address) -> _Connection | None:
        idle = self._idle.get(address.pool)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < KEEP_IDLE:
                connection.reused = True
                return connection
            connection.close()
        return None

    def _release(self, address: Address, connection: _Connection) -> None:
        self._slots.release()
        idle = self._idle.setdefault(address.pool, [])
        if connection.reusable and not self._closed and len(idle) < self.max_connections:
            connection.in_use = False
            connection.idle_since = time.monotonic()
            idle.append(connection)
        else:
            connection.close()

    async def _connect(self, address: Address) -> _Connection:
        loop = asyncio.get_running_loop()
        connection = _Connection(loop)
        tls = self._tls() if address.tls_host and address.connect is None else None
        try:
            async with asyncio.timeout(self.connect_timeout):
                await loop.create_connection(
                    lambda: connection, *address.dial, ssl=tls,
                    server_hostname=address.tls_host if tls else None)
                if address.connect is not None:
                    if await connection.tunnel(address.connect, self.connect_timeout) != 200:
                        raise WireError(UNREACHABLE)
                    assert connection.transport is not None
                    connection.transport = await loop.start_tls(  # type: ignore[assignment]
                        connection.transport, connection, self._tls(),
                        server_hostname=address.tls_host)
        except TimeoutError:
            connection.close()
            raise WireError(SLOW_CONNECT) from None
        except OSError:  # refused, no route, no such host, a certificate refused
            connection.close()
            raise WireError(UNREACHABLE) from None
        except BaseException:  # a WireError, or the caller gave up: leave no socket open
            connection.close()
            raise
        return connection

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            context = ssl.create_default_context()
            if not self.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._ssl = context
        return self._ssl

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _encode(method: str, address: Address, path: str, headers: dict[str, str],
            body: bytes | None) -> bytes:
    lines = [f"{method} {address.prefix}{path} HTTP/1.1\r\nHost: {address.host_header}\r\n"
             f"User-Agent: {USER_AGENT}\r\n"]
    for name, value in headers.items():
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value:
            continue  # a configured header must not split the request
        lines.append(f"{name}: {value}\r\n")
    if address.proxy_authorization is not None:
        lines.append(f"Proxy-Authorization: {address.proxy_authorization}\r\n")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("latin-1", "replace")
    return head + body if body else head
