"""A run in the background: the steps in order (a condition may jump forward, an output
step ends it), each step's record (input, output, start and end in ms, tokens, error)
saved to the run's row as it ends, and events on `pipeline_run:<id>` for followers:

    {"t": "step_started", "step", "kind"}
    {"t": "token", "step", "c"}            a model step's answer, piece by piece
    {"t": "step_ended", "step", "record"}  the record, its output cut to EVENT_OUTPUT
    {"t": "ended", "status", "error"}

A step that fails ends the run `failed` and a stop (through the task routes) or the
server shutting down ends it `stopped`; either way what finished is kept. While it runs
this instance holds the run's lease (resolvers/tasks/leases.py); a run whose instance
died is ended `failed` by another (resolvers/pipelines/orphans.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from data.pubsub import pipeline_run_channel
from data.repos.pipelines import PipelineRunRepo
from data.repos.run_leases import PIPELINE_RUNS
from resolvers.context import Context, Credentials, Services
from resolvers.errors import DomainError
from resolvers.pipelines.steps import run_step
from resolvers.tasks.control import piece_size, pieces
from resolvers.tasks.registry import TaskInfo

log = logging.getLogger("parley.pipelines")

RUNNING, SUCCEEDED, FAILED, STOPPED = "running", "succeeded", "failed", "stopped"
TAKEN_OVER = "taken over"  # why a run is interrupted whose lease another instance took
# Characters of a step's input, output and error in its event: PostgreSQL's NOTIFY holds
# 8000 bytes, and a character may take 6 as JSON (\uXXXX).
EVENT_OUTPUT = 400
RECORD_TEXT = 1_000_000  # characters of a step's input or output kept in the run's row
# Steps that only read the run's own texts take microseconds: their records are written
# with the next step's or the run's end, not each in a transaction of its own.
PURE = ("condition", "output")


def now_ms() -> int:
    return int(time.time() * 1000)


class Runner:
    """One run: `start()` spawns it on the services; `done` is set when it has ended and
    its row holds the end."""

    def __init__(self, services: Services, credentials: Credentials, run_id: str,
                 steps: list[dict[str, Any]], given: str, task: TaskInfo):
        self.services, self.credentials = services, credentials
        self.run_id, self.steps, self.given, self.task = run_id, steps, given, task
        self.records: list[dict[str, Any]] = []
        self.done = asyncio.Event()
        self._job: asyncio.Task | None = None
        self._why: str | None = None

    def start(self) -> None:
        self.task.interrupt = self.interrupt
        self.services.tasks.register(self.task)
        self.services.leases.hold(PIPELINE_RUNS, self.run_id,
                                  lambda: self.interrupt(TAKEN_OVER))
        self._job = asyncio.ensure_future(self._run())
        self.services.background.add(self._job)
        self._job.add_done_callback(self.services.background.discard)

    def interrupt(self, why: str) -> None:
        if self._job is not None and not self._job.done() and self._why is None:
            self._why = why
            self._job.cancel()

    async def _publish(self, event: dict[str, Any]) -> None:
        try:
            await self.services.pubsub.publish(pipeline_run_channel(self.run_id), event)
        except Exception:  # followers miss an event; the row still holds the record
            log.warning("pipeline run %s: an event was not published", self.run_id)

    async def _save(self, **fields: Any) -> None:
        async with Context(self.services).unit_of_work(write=True) as ctx:
            row = await PipelineRunRepo(ctx.session).get(self.run_id)
            # Deleted with its pipeline meanwhile, or ended by another instance that took
            # this one for gone (it stalled past the lease timeout): theirs stands.
            if row is None or row.status != RUNNING or \
                    row.lease_owner != self.services.leases.instance_id:
                return
            row.steps = [dict(r) for r in self.records]
            for name, value in fields.items():
                setattr(row, name, value)

    async def _run(self) -> None:
        status, error, output = SUCCEEDED, None, None
        try:
            output = await self._steps()
        except asyncio.CancelledError:
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            status, error = STOPPED, ("The server shut down during the run."
                                      if self._why == "shutdown" else "The run was stopped.")
            self._close_open_step(error)
        except DomainError as failure:
            status, error = FAILED, f"Step {self.records[-1]['name']}: {failure.message}"
        except Exception as failure:  # noqa: BLE001 - a bug must still end the run
            log.exception("pipeline run %s failed", self.run_id)
            status, error = FAILED, f"Unexpected error: {type(failure).__name__}"
            self._close_open_step(error)
        finally:
            self.services.tasks.discard(self.task.id)
        try:
            await asyncio.shield(self._finish(status, error, output))
        finally:
            self.services.leases.release(PIPELINE_RUNS, self.run_id)
            self.done.set()

    async def _finish(self, status: str, error: str | None, output: str | None) -> None:
        if self._why == TAKEN_OVER:  # another instance ended it, and told its followers
            return
        try:
            await self._save(status=status, error=error, output=output, ended_at=now_ms())
        except Exception:
            log.exception("pipeline run %s: its end was not saved", self.run_id)
        await self._publish({"t": "ended", "status": status,
                             "error": error[:EVENT_OUTPUT] if error else None})

    def _close_open_step(self, error: str) -> None:
        if self.records and self.records[-1]["ended_at"] is None:
            self.records[-1].update(ended_at=now_ms(), error=error)

    async def _steps(self) -> str | None:
        ctx = Context(self.services, self.credentials)
        positions = {step["name"]: i for i, step in enumerate(self.steps)}
        outputs: dict[str, str] = {}
        index, last = 0, None
        while index < len(self.steps):
            step = self.steps[index]
            name = step["name"]
            record = {"name": name, "kind": step["kind"], "input": None, "output": None,
                      "started_at": now_ms(), "ended_at": None, "tokens": None, "error": None}
            self.records.append(record)
            await self._publish({"t": "step_started", "step": name, "kind": step["kind"]})

            async def emit(piece: str, name: str = name) -> None:
                for part in pieces(piece, piece_size(self.services)):  # NOTIFY's limit
                    await self._publish({"t": "token", "step": name, "c": part})
            try:
                result = await run_step(ctx, step, self.given, outputs, emit)
            except DomainError as failure:
                record.update(ended_at=now_ms(), error=failure.message)
                await self._publish({"t": "step_ended", "step": name,
                                     "record": _event_record(record)})
                raise
            record.update(input=result.input[:RECORD_TEXT], output=result.output[:RECORD_TEXT],
                          tokens=result.tokens, ended_at=now_ms())
            outputs[name] = last = result.output
            if step["kind"] not in PURE:
                await self._save()
            await self._publish({"t": "step_ended", "step": name,
                                 "record": _event_record(record)})
            if step["kind"] == "output":
                break
            index = positions[result.jump] if result.jump else index + 1
        return last


def _event_record(record: dict[str, Any]) -> dict[str, Any]:
    cut = dict(record)
    for field in ("input", "output", "error"):
        if isinstance(cut[field], str) and len(cut[field]) > EVENT_OUTPUT:
            cut[field] = cut[field][:EVENT_OUTPUT]
            cut[f"{field}_truncated"] = True
    return cut
