"""An evaluation's results: each case's answer and score per model, and per model the
mean score, pass rate, latency p50/p95 and tokens (errors counted apart, not scored)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from data.repos.evaluations import EvaluationRepo
from data.tables import EvaluationCaseRow, EvaluationResultRow, EvaluationRow
from resolvers.context import Context
from resolvers.evaluations.sets import get_evaluation


@dataclass(frozen=True)
class ModelScore:
    model: str
    cases: int  # results without an error
    errors: int
    mean_score: float | None
    pass_rate: float | None
    latency_p50_ms: int | None
    latency_p95_ms: int | None
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Results:
    evaluation: EvaluationRow
    cases: Sequence[EvaluationCaseRow]
    results: Sequence[EvaluationResultRow]
    models: list[ModelScore]


def percentile(values: Sequence[int], share: float) -> int | None:
    """Nearest rank: the smallest value with at least `share` of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def model_scores(models: Sequence[str], results: Sequence[EvaluationResultRow]
                 ) -> list[ModelScore]:
    scores = []
    for model in models:
        mine = [r for r in results if r.model == model]
        ok = [r for r in mine if r.error is None]
        latencies = [r.latency_ms for r in ok]
        scores.append(ModelScore(
            model=model, cases=len(ok), errors=len(mine) - len(ok),
            mean_score=round(sum(r.score for r in ok) / len(ok), 4) if ok else None,
            pass_rate=round(sum(r.passed for r in ok) / len(ok), 4) if ok else None,
            latency_p50_ms=percentile(latencies, 0.5),
            latency_p95_ms=percentile(latencies, 0.95),
            prompt_tokens=sum(r.prompt_tokens for r in mine),
            completion_tokens=sum(r.completion_tokens for r in mine)))
    return scores


async def list_results(ctx: Context, evaluation_id: str) -> Sequence[EvaluationResultRow]:
    await get_evaluation(ctx, evaluation_id)
    return await EvaluationRepo(ctx.session).results(evaluation_id)


async def get_results(ctx: Context, evaluation_id: str) -> Results:
    """Its owner or an administrator; results in case order, then model order."""
    row = await get_evaluation(ctx, evaluation_id)
    repo = EvaluationRepo(ctx.session)
    cases = await repo.cases(row.id)
    position = {case.id: case.position for case in cases}
    order = {model: i for i, model in enumerate(row.models)}
    results = sorted(await repo.results(row.id),
                     key=lambda r: (position.get(r.case_id, -1), order.get(r.model, -1)))
    return Results(row, cases, results, model_scores(row.models, results))
