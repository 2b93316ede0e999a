"""Worker processes for functions: started with limits, an environment of their own and a
working directory of their own; spoken to over pipes, one JSON line per message.

Limits: wall time (the server kills the worker's process group), CPU time (RLIMIT_CPU,
set per call by the worker), address space (RLIMIT_AS), file
size (RLIMIT_FSIZE), no core files, and output (what a call prints, counted by the worker;
what it answers, counted here). A worker that breaks a limit, dies, forks or talks
garbage is killed and forgotten; the next call starts a fresh one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.functions.settings import FunctionSettings

WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))
# Nothing of the server's environment: no secret, no database URL, no tokens.
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1"}
START_SECONDS = 20.0
# Failures after which the worker answered and stays sound.
REUSABLE = frozenset({"raised", "syntax", "missing"})


class FunctionFailed(Exception):
    """A call that did not complete; `kind` names the cause (raised, syntax, missing,
    timeout, cpu, memory, output, forked, crashed, garbage, busy)."""

    def __init__(self, kind: str, message: str, line: int | None = None):
        super().__init__(message)
        self.kind, self.message, self.line = kind, message, line


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    workdir: str
    started: float
    stopped: str | None = None  # why someone stopped its call

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # children it spawned go too

    async def close(self) -> None:
        self.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.process.wait(), 5)
        shutil.rmtree(self.workdir, ignore_errors=True)


class WorkerPool:
    """At most `settings.workers` processes; a call waits `queue_timeout` for one."""

    def __init__(self, settings: FunctionSettings, denied: tuple[str, ...] = ()):
        self.settings = settings
        self.denied = denied
        self._idle: list[Worker] = []
        self._slots = asyncio.Semaphore(settings.workers)
        self._closed = False
        self._closing: set[asyncio.Task] = set()
        self.started = 0  # workers started so far (a test and a benchmark read it)

    async def _start(self) -> Worker:
        workdir = tempfile.mkdtemp(prefix="parley-function-")
        limits = self.settings
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-u", WORKER_SCRIPT, workdir, *self.denied,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, cwd=workdir, start_new_session=True,
            env=BASE_ENV | {"HOME": workdir, "TMPDIR": workdir},
            limit=limits.output_bytes + 65536)
        worker = Worker(process, workdir, time.monotonic())
        # RLIMIT_CPU is cumulative over a worker's life: the worker sets its soft limit
        # before each call to what it has used plus one call's allowance, under no hard
        # cap (a cap would end a long-lived worker's usefulness; the wall limit is the
        # backstop either way).
        for limit, value in ((resource.RLIMIT_AS, limits.memory_bytes),
                             (resource.RLIMIT_CORE, 0),
                             (resource.RLIMIT_FSIZE, limits.output_bytes * 4)):
            with contextlib.suppress(ProcessLookupError):
                resource.prlimit(process.pid, limit, (value, value))
        try:
            first = await asyncio.wait_for(self._read(worker), START_SECONDS)
        except (FunctionFailed, TimeoutError):
            await worker.close()
            raise FunctionFailed("crashed", "a function worker did not start") from None
        if first != {"ready": True}:
            await worker.close()
            raise FunctionFailed("garbage", "a function worker did not start")
        self.started += 1
        return worker

    async def _read(self, worker: Worker) -> dict[str, Any]:
        stream = worker.process.stdout
        assert stream is not None
        try:
            line = await stream.readline()
        except ValueError:  # longer than the output limit allows
            raise FunctionFailed("output", "the function answered more than its output "
                                           "limit") from None
        if not line:
            raise await self._death(worker)
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            raise FunctionFailed("garbage", "the function's worker wrote something that is "
                                            "not the protocol")
        return message

    async def _death(self, worker: Worker) -> FunctionFailed:
        code = await worker.process.wait()
        if worker.stopped is not None:
            return FunctionFailed("stopped", f"the call was stopped ({worker.stopped})")
        if code == -signal.SIGXCPU:
            return FunctionFailed("cpu", "the function used more than its CPU time limit "
                                         f"({self.settings.cpu_seconds} s)")
        if code == -signal.SIGXFSZ:
            return FunctionFailed("output", "the function wrote a file larger than allowed")
        return FunctionFailed("crashed", f"the function's worker exited (status {code})")

    @contextlib.asynccontextmanager
    async def _worker(self) -> AsyncIterator[Worker]:
        try:
            await asyncio.wait_for(self._slots.acquire(), self.settings.queue_timeout)
        except TimeoutError:
            raise FunctionFailed("busy", "every function worker is busy; try again "
                                         "later") from None
        worker = None
        try:
            worker = self._idle.pop() if self._idle else await self._start()
            try:
                yield worker
            except FunctionFailed as failure:
                if failure.kind in REUSABLE:
                    self._keep(worker)
                    worker = None
                raise
            self._keep(worker)
            worker = None
        finally:
            if worker is not None:
                await worker.close()
            self._slots.release()

    def _keep(self, worker: Worker) -> None:
        if worker.process.returncode is None and not self._closed:
            self._idle.append(worker)
        else:
            self._spawn_close(worker)

    def _spawn_close(self, worker: Worker) -> None:
        task = asyncio.ensure_future(worker.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def call(self, request: dict[str, Any], stop: CallStop | None = None
                   ) -> AsyncIterator[dict[str, Any]]:
        """Run one request; yields `{"piece": ...}` messages, then the final one. Any
        failure raises FunctionFailed after the worker is killed. `stop` lets another
        task end the call: its worker is killed."""
        limits = self.settings
        request = request | {"cpu_limit": limits.cpu_seconds,
                             "output_limit": limits.output_bytes}
        deadline = time.monotonic() + limits.wall_seconds
        async with self._worker() as worker:
            finished = False
            if stop is not None:
                stop.attach(worker)
            try:
                assert worker.process.stdin is not None
                worker.process.stdin.write(json.dumps(request).encode() + b"\n")
                answered = 0
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    message = await asyncio.wait_for(self._read(worker), left)
                    answered += len(json.dumps(message))
                    if answered > limits.output_bytes:
                        raise FunctionFailed("output", "the function answered more than its "
                                                       "output limit")
                    finished = "piece" not in message
                    if "error" in message:
                        raise FunctionFailed(message.get("kind", "raised"),
                                             str(message["error"]), message.get("line"))
                    yield message
                    if finished:
                        return
            except TimeoutError:
                raise FunctionFailed("timeout", "the function ran longer than its time "
                                                f"limit ({limits.wall_seconds:g} s)") from None
            finally:
                if not finished:
                    worker.kill()  # mid-call: its state is unknown, never reuse it

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for worker in idle:
            await worker.close()


class CallStop:
    """Stops one call from anywhere: before it has a worker (it is killed on arrival) or
    while it runs."""

    def __init__(self) -> None:
        self.why: str | None = None
        self.worker: Worker | None = None

    def attach(self, worker: Worker) -> None:
        self.worker = worker
        if self.why is not None:
            self.stop(self.why)

    def stop(self, why: str) -> None:
        self.why = why
        if self.worker is not None and self.worker.process.returncode is None:
            self.worker.stopped = why
            self.worker.kill()


def denied_to_functions(settings: Any) -> tuple[str, ...]:
    """What a function may not open: the data directory, and a SQLite database's file
    wherever it lies."""
    denied = [str(settings.data_dir)]
    if settings.is_sqlite:
        from sqlalchemy.engine import make_url

        name = make_url(settings.database_url).database
        if name and name != ":memory:":
            path = str(Path(name).resolve())
            denied += [path, path + "-wal", path + "-shm", path + "-journal"]
    return tuple(denied)
