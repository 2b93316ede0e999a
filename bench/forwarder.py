"""A bare TCP forwarder: bytes from each client connection to a new connection to the
target and back, nothing read or changed. `bench/proxy.py --floor` measures streams
through it, which is what one more process in the path costs on this machine before
any HTTP, checks or relaying logic: the floor under any proxy's figures.

    .venv/bin/python bench/forwarder.py LISTEN_PORT TARGET_PORT   # prints "ready"
"""

import asyncio
import sys

import uvloop


class Side(asyncio.Protocol):
    """One end of a forwarded pair; bytes that arrive before the other end is connected
    wait in `pending`."""

    def __init__(self) -> None:
        self.peer: Side | None = None
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.write(data)
        else:
            self.pending.append(data)

    def connection_lost(self, exc) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()


async def serve(listen: int, target: int) -> None:
    loop = asyncio.get_running_loop()
    joining: set[asyncio.Task] = set()

    async def join(client: Side) -> None:
        _, upstream = await loop.create_connection(Side, "127.0.0.1", target)
        upstream.peer, client.peer = client, upstream
        for data in client.pending:
            upstream.transport.write(data)
        client.pending.clear()

    def accept() -> Side:
        client = Side()
        task = loop.create_task(join(client))
        joining.add(task)
        task.add_done_callback(joining.discard)
        return client

    await loop.create_server(accept, "127.0.0.1", listen)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1]), int(sys.argv[2])))
