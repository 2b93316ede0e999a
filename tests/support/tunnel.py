"""A tiny HTTP CONNECT proxy on a free local port: it records each tunnel's target (and the
Proxy-Authorization it was sent, if any), connects to it and then passes bytes both ways
untouched, as a proxy does for an HTTPS request. Anything but CONNECT gets a 405."""

from __future__ import annotations

import asyncio
import contextlib

from tests.support.local_server import LocalServer


class Tunnel(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []  # "host:port" of each CONNECT, in order
        self.authorizations: list[str | None] = []  # each CONNECT's Proxy-Authorization

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._writers.add(writer)
        target_writer: asyncio.StreamWriter | None = None
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target, _ = head[0].split(" ", 2)
            if method != "CONNECT":
                writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                await writer.drain()
                return
            headers = dict(line.split(":", 1) for line in head[1:] if ":" in line)
            headers = {name.strip().lower(): value.strip() for name, value in headers.items()}
            self.targets.append(target)
            self.authorizations.append(headers.get("proxy-authorization"))
            host, port = target.rsplit(":", 1)
            try:
                target_reader, target_writer = await asyncio.open_connection(host, int(port))
            except OSError:
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            self._writers.add(target_writer)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await _pipe_both_ways(reader, writer, target_reader, target_writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                ValueError):
            return
        finally:
            for each in (writer, target_writer):
                if each is not None:
                    self._writers.discard(each)
                    with contextlib.suppress(Exception):
                        each.close()


async def _pipe_both_ways(client_reader, client_writer, target_reader, target_writer):
    """Until either side closes: then both are closed (by the caller)."""
    pipes = {asyncio.ensure_future(_pipe(client_reader, target_writer)),
             asyncio.ensure_future(_pipe(target_reader, client_writer))}
    try:
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pipe in pipes:
            pipe.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
