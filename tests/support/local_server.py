"""A TCP server on 127.0.0.1 for tests, as an async context manager: subclasses serve
each connection in `_serve` and put the writers they open in `_writers`, which are all
closed when the server stops, so no test leaves a connection behind."""

from __future__ import annotations

import asyncio
import contextlib
import ssl


class LocalServer:
    def __init__(self, port: int = 0):
        self.port = port
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _tls(self) -> ssl.SSLContext | None:
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        raise NotImplementedError

    async def __aenter__(self):
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port,
                                                  ssl=self._tls())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 5)
