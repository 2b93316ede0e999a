"""An evaluation run as it goes: every case on every model not scored yet, a few at a
time (EVALUATION_CONCURRENCY), each result written as soon as it is scored, progress
published on `evaluation:<id>`. While it runs this instance holds the evaluation's lease
(resolvers/tasks/leases.py): a shutdown gives the lease up with the run still `running`,
so that another instance (or this one, back) resumes it (resolvers/evaluations/resume.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from data.repos.evaluations import EvaluationRepo
from data.repos.run_leases import EVALUATIONS, RunLeaseRepo
from data.tables import EvaluationCaseRow, EvaluationResultRow, EvaluationRow, UserRow
from data.tables.base import now_s
from resolvers.completions.completions import CompletionResult, plan_chat_stream
from resolvers.context import Context, Credentials, Services, Viewer
from resolvers.errors import DomainError, Forbidden
from resolvers.evaluations.judge import judge_messages, read_verdict
from resolvers.evaluations.progress import Progress, publish
from resolvers.evaluations.scorers import score_answer
from resolvers.tasks.registry import EVALUATION, Stopped, TaskInfo

log = logging.getLogger("parley.evaluations")
COMMIT_WAIT = 30.0  # seconds a run waits for the transaction that started it
SHUTDOWN, TAKEN_OVER = "shutdown", "taken over"  # why a run ends that goes on elsewhere


def run_route(evaluation_id: str) -> str:
    return f"/api/evaluations/{evaluation_id}/run"


def live_task(services: Services, evaluation_id: str) -> TaskInfo | None:
    """The run of this evaluation going on in this process, if any."""
    route = run_route(evaluation_id)
    return next((t for t in services.tasks.all()
                 if t.kind == EVALUATION and t.route == route), None)


class Runner:
    """Runs as the caller (`credentials`), whose access is checked on every request to a
    model; a run resumed by a sweep has no caller and runs as `acting_for`, the
    evaluation's owner, read afresh for each request."""

    def __init__(self, services: Services, credentials: Credentials, evaluation_id: str,
                 *, acting_for: str | None = None):
        self.services, self.credentials = services, credentials
        self.evaluation_id, self.acting_for = evaluation_id, acting_for
        self.task: TaskInfo | None = None
        self.committed = asyncio.Event()
        self.stopping = False
        self.why: str | None = None
        self.live: set[Any] = set()  # the model calls under way

    def begin(self) -> None:
        """The run's row is committed, lease and all: go, and keep the lease."""
        self.services.leases.hold(EVALUATIONS, self.evaluation_id,
                                  lambda: self.interrupt(TAKEN_OVER))
        self.committed.set()

    def interrupt(self, why: str) -> None:
        self.why = self.why or why
        self.stopping = True
        for stream in list(self.live):
            stream.interrupt(why)

    def _context(self) -> Context:
        return Context(self.services, self.credentials)

    async def run(self) -> None:
        status, error = "done", None
        try:
            await asyncio.wait_for(self.committed.wait(), COMMIT_WAIT)
        except TimeoutError:  # the start was rolled back
            self.services.tasks.discard(self.task.id)
            return
        progress = Progress(self.evaluation_id)
        try:
            row, pending = await self._plan(progress)
            await publish(self.services, progress.event())
            queue = iter(pending)
            workers = min(self.services.settings.evaluation_concurrency, len(pending))
            await asyncio.gather(*(self._work(row, queue, progress) for _ in range(workers)))
            status = "stopped" if self.stopping else "done"
        except Exception:  # a bug must still end the run, marked failed
            log.exception("evaluation run %s failed", self.evaluation_id)
            status, error = "failed", "The run failed unexpectedly."
        finally:
            self.services.tasks.discard(self.task.id)
        try:
            if self.why in (SHUTDOWN, TAKEN_OVER):  # it goes on elsewhere: no ending
                await self._hand_over()
                return
            await self._finish(status, error)
        finally:
            self.services.leases.release(EVALUATIONS, self.evaluation_id)
        await publish(self.services, progress.event(status))

    async def _plan(self, progress: Progress
                    ) -> tuple[EvaluationRow, list[tuple[EvaluationCaseRow, str]]]:
        ctx = self._context()
        async with ctx.unit_of_work():
            repo = EvaluationRepo(ctx.session)
            row = await repo.get(self.evaluation_id)
            cases = await repo.cases(self.evaluation_id)
            results = await repo.results(self.evaluation_id)
            ctx.session.expunge_all()  # kept as read: a read's rollback would expire them
        progress.total = len(cases) * len(row.models)
        done = set()
        for result in results:
            done.add((result.case_id, result.model))
            progress.add(result)
        return row, [(case, model) for case in cases for model in row.models
                     if (case.id, model) not in done]

    async def _work(self, row: EvaluationRow, queue, progress: Progress) -> None:
        for case, model in queue:  # one shared iterator: each pair goes to one worker
            if self.stopping:
                return
            result = await self._score(row, case, model)
            if result is None or self.stopping:
                return
            ctx = self._context()
            async with ctx.unit_of_work(write=True):
                repo = EvaluationRepo(ctx.session)
                # Locked against a delete (no result outlives its evaluation) and against
                # a take-over: once another instance took the run (this one stalled past
                # the lease timeout), its task id is the run's and this one writes nothing.
                current = await repo.get(self.evaluation_id, for_update=True)
                if current is None:
                    return
                if current.task_id != self.task.id:
                    self.interrupt(TAKEN_OVER)
                    return
                await repo.add_result(result)
            progress.add(result)
            await publish(self.services, progress.event())

    async def _score(self, row: EvaluationRow, case: EvaluationCaseRow, model: str
                     ) -> EvaluationResultRow | None:
        result = EvaluationResultRow(id=str(uuid.uuid4()), evaluation_id=row.id,
                                     case_id=case.id, model=model, output="", score=0.0,
                                     passed=False, latency_ms=0, prompt_tokens=0,
                                     completion_tokens=0, created_at=now_s())
        started = time.monotonic()
        try:
            answer = await self._ask(model, case.messages)
            result.latency_ms = round((time.monotonic() - started) * 1000)
            result.output = answer.content
            if answer.usage is not None:
                result.prompt_tokens = answer.usage.prompt_tokens
                result.completion_tokens = answer.usage.completion_tokens
            if case.scorer == "judge":
                reply = await self._ask(row.judge_model, judge_messages(
                    case.expected, case.messages, answer.content))
                score, result.verdict = read_verdict(reply.content)
            else:
                score = score_answer(case.scorer, case.expected, case.options, answer.content)
        except Stopped:
            return None  # not written: asked again when the run resumes
        except DomainError as failure:
            if self.stopping:
                return None
            result.latency_ms = round((time.monotonic() - started) * 1000)
            result.error = failure.message
            return result
        result.score, result.passed, result.reason = score.score, score.passed, score.reason
        return result

    async def _ask(self, model: str, messages: list[dict]) -> CompletionResult:
        ctx = self._context()
        async with ctx.unit_of_work():
            if self.acting_for is not None:
                await self._act_for_owner(ctx)
            plan = await plan_chat_stream(ctx, {"model": model, "messages": messages,
                                                "stream": True})
        stream = plan.start(self.services, route=run_route(self.evaluation_id))
        self.live.add(stream)
        try:
            if self.stopping:
                raise Stopped("The evaluation was stopped.", reason="stopped")
            await stream.open()
            return await stream.drain()
        finally:
            self.live.discard(stream)
            await stream.aclose()

    async def _finish(self, status: str, error: str | None) -> None:
        ctx = self._context()
        async with ctx.unit_of_work(write=True):
            row = await EvaluationRepo(ctx.session).get(self.evaluation_id)
            if row is not None and row.task_id == self.task.id:  # not deleted or restarted
                row.status, row.error = status, error
                row.run_ended_at = row.updated_at = now_s()

    async def _hand_over(self) -> None:
        """Shutting down: give the lease up, the run left `running`, for the next sweep
        anywhere to resume. Taken over: the instance that took it writes from now on."""
        if self.why != SHUTDOWN:
            return
        ctx = self._context()
        async with ctx.unit_of_work(write=True):
            await RunLeaseRepo(ctx.session).release(EVALUATIONS, self.evaluation_id,
                                                    self.services.leases.instance_id)

    async def _act_for_owner(self, ctx: Context) -> None:
        owner = await ctx.session.get(UserRow, self.acting_for)
        if owner is None:
            raise Forbidden("The evaluation's owner is gone.", reason="owner_gone")
        ctx.viewer_cache = (Viewer(user=owner, via="session", token=""),)
