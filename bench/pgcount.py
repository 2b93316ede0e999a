"""A PostgreSQL proxy that counts the statements its clients run.

pg_stat_statements needs `shared_preload_libraries` and a server restart, and the
statement log needs access to the server's log files; neither is a given on a shared
server. This sits between one application and PostgreSQL instead, forwards every byte
unchanged, and reads only the framing of what the client sends (a type byte and a
length per message) to count:

- `Q`, a simple query (asyncpg's BEGIN/COMMIT, node-postgres' queries without
  parameters): one statement per message;
- `E`, Execute of the extended protocol (every statement with parameters, prepared or
  not): one statement per message.

`P` (Parse) and `D` (Describe) alone are not counted: preparing a statement once and
executing it many times is one statement per execution, which is what a driver with a
statement cache does. It is slower than a direct connection, so the benchmark counts
through it in a phase of its own and times without it.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections import Counter

# Untyped messages a client may send before its startup message (int32 request codes).
_SSL_REQUEST, _GSSENC_REQUEST = 80877103, 80877104
COUNTED = {b"Q": "simple", b"E": "execute"}


def _cstrings(body: bytes, count: int) -> list[str]:
    return [part.decode(errors="replace") for part in body.split(b"\0", count)[:count]]


class _ClientStream:
    """Splits what the client sends into messages and counts the ones that run SQL.
    While the proxy's `log` is a list, it also notes the text of each statement run
    there: Parse names a statement (drivers prepare once, so Parse and Bind are followed
    always), Bind puts one in a portal, Execute runs a portal."""

    def __init__(self, proxy: CountingProxy):
        self.proxy = proxy
        self.buf = b""
        self.started = False  # typed messages only after the startup message
        self.prepared: dict[str, str] = {}  # statement name -> text
        self.portals: dict[str, str] = {}  # portal name -> text

    def feed(self, data: bytes) -> None:
        self.buf += data
        while True:
            if not self.started:
                if len(self.buf) < 8:
                    return
                length, code = struct.unpack("!ii", self.buf[:8])
                if len(self.buf) < length:
                    return
                self.buf = self.buf[length:]
                # SSL and GSS requests precede the real startup message; the server
                # answers "N" (no encryption) and the client then sends it.
                self.started = code not in (_SSL_REQUEST, _GSSENC_REQUEST)
                continue
            if len(self.buf) < 5:
                return
            kind, length = self.buf[:1], struct.unpack("!i", self.buf[1:5])[0]
            if len(self.buf) < 1 + length:
                return
            body, self.buf = self.buf[5:1 + length], self.buf[1 + length:]
            if kind in COUNTED:
                self.proxy.counts[COUNTED[kind]] += 1
            if kind in b"PBEQ":
                self._note(kind, body, self.proxy.log)

    def _note(self, kind: bytes, body: bytes, log: list[str] | None) -> None:
        if kind == b"P":
            name, text = _cstrings(body, 2)
            self.prepared[name] = text
        elif kind == b"B":
            portal, name = _cstrings(body, 2)
            self.portals[portal] = self.prepared.get(name, "?")
        elif log is None:
            return
        elif kind == b"E":
            log.append(self.portals.get(_cstrings(body, 1)[0], "?"))
        elif kind == b"Q":
            log.append(_cstrings(body, 1)[0])


class CountingProxy:
    """Listens on 127.0.0.1:<port> in a thread of its own and forwards to PostgreSQL."""

    def __init__(self, upstream_host: str = "127.0.0.1", upstream_port: int = 5432):
        self.upstream = (upstream_host, upstream_port)
        self.counts: Counter = Counter()
        self.log: list[str] | None = None  # a list: statement texts are noted there
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> CountingProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def take(self) -> int:
        """Statements counted since the last call."""
        total = sum(self.counts.values())
        self.counts.clear()
        return total

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        server_r, server_w = await asyncio.open_connection(*self.upstream)
        stream = _ClientStream(self)

        async def pipe(reader, writer, inspect=None):
            try:
                while data := await reader.read(65536):
                    if inspect:
                        inspect(data)
                    writer.write(data)
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                writer.close()

        await asyncio.gather(pipe(client_r, server_w, stream.feed), pipe(server_r, client_w))
