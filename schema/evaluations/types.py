"""Evaluation, EvaluationCase, EvaluationRun, CaseResult, ModelScore; Feedback and
LeaderboardEntry."""

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from data.tables import EvaluationCaseRow, EvaluationResultRow, EvaluationRow, FeedbackRow
from resolvers.evaluations import results, runs, sets
from resolvers.evaluations.leaderboard import LeaderboardEntry as Entry
from schema.context import Info
from schema.scalars import timestamp


@strawberry.type(description="One case: the messages sent and how the answer is scored.")
class EvaluationCase:
    id: strawberry.ID = strawberry.field(description="The case's id.")
    position: int = strawberry.field(description="Its place in the set, from 0.")
    messages: JSON = strawberry.field(description="The messages sent: [{role, content}].")
    scorer: str = strawberry.field(description="exact, contains, regex, json_schema, "
                                               "numeric or judge.")
    expected: JSON | None = strawberry.field(description="The text, pattern, number, JSON "
                                                         "schema or rubric scored against.")
    options: JSON | None = strawberry.field(description="E.g. {tolerance, ignore_case}.")

    @classmethod
    def from_row(cls, row: EvaluationCaseRow) -> "EvaluationCase":
        return cls(id=strawberry.ID(row.id), position=row.position, messages=row.messages,
                   scorer=row.scorer, expected=row.expected, options=row.options)


@strawberry.type(description="A case's answer by one model, and its score.")
class CaseResult:
    case_id: strawberry.ID = strawberry.field(description="The case.")
    model: str = strawberry.field(description="The model that answered.")
    output: str = strawberry.field(description="Its answer.")
    score: float = strawberry.field(description="0 to 1.")
    passed: bool = strawberry.field(description="Whether the answer passed.")
    verdict: str | None = strawberry.field(description="The judge's pass or fail, if judged.")
    reason: str | None = strawberry.field(description="Why it failed, or the judge's reason.")
    error: str | None = strawberry.field(description="The upstream's failure; not scored.")
    latency_ms: int = strawberry.field(description="How long the answer took.")
    prompt_tokens: int = strawberry.field(description="Tokens read.")
    completion_tokens: int = strawberry.field(description="Tokens written.")

    @classmethod
    def from_row(cls, row: EvaluationResultRow) -> "CaseResult":
        return cls(case_id=strawberry.ID(row.case_id), model=row.model, output=row.output,
                   score=row.score, passed=row.passed, verdict=row.verdict, reason=row.reason,
                   error=row.error, latency_ms=row.latency_ms, prompt_tokens=row.prompt_tokens,
                   completion_tokens=row.completion_tokens)


@strawberry.type(description="How a model did: over its results without an error (a run "
                             "in progress gives only the mean so far).")
class ModelScore:
    model: str = strawberry.field(description="The model.")
    mean_score: float | None = strawberry.field(description="Mean score, 0 to 1.")
    pass_rate: float | None = strawberry.field(default=None, description="Share passed.")
    cases: int | None = strawberry.field(default=None, description="Results scored.")
    errors: int | None = strawberry.field(default=None, description="Results that failed.")
    latency_p50_ms: int | None = strawberry.field(default=None, description="Median latency.")
    latency_p95_ms: int | None = strawberry.field(default=None, description="95th percentile.")
    prompt_tokens: int | None = strawberry.field(default=None, description="Tokens read.")
    completion_tokens: int | None = strawberry.field(default=None,
                                                     description="Tokens written.")

    @classmethod
    def from_score(cls, score: results.ModelScore) -> "ModelScore":
        return cls(**vars(score))


@strawberry.type(description="An evaluation's run: how far it is and the scores so far.")
class EvaluationRun:
    evaluation_id: strawberry.ID = strawberry.field(description="The evaluation.")
    status: str = strawberry.field(description="running, done, stopped, failed, new or "
                                               "interrupted (its server stopped or died; a live "
                                               "instance resumes it on its own).")
    done: int = strawberry.field(description="Cases scored, over all models.")
    total: int = strawberry.field(description="Cases times models.")
    scores: list[ModelScore] = strawberry.field(description="Each model's mean so far.")

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "EvaluationRun":
        return cls(evaluation_id=strawberry.ID(event["evaluation_id"]), status=event["status"],
                   done=event["done"], total=event["total"],
                   scores=[ModelScore(model=m, mean_score=s)
                           for m, s in event["scores"].items()])


@strawberry.type(description="A set of cases run on a list of models.")
class Evaluation:
    id: strawberry.ID = strawberry.field(description="The evaluation's id, as on REST.")
    user_id: strawberry.ID = strawberry.field(description="Whose it is.")
    name: str = strawberry.field(description="Its name.")
    description: str = strawberry.field(description="What it checks.")
    models: list[str] = strawberry.field(description="The models it runs on.")
    judge_model: str | None = strawberry.field(description="The model that judges rubrics.")
    status: str = strawberry.field(description="Its last run's status (see EvaluationRun).")
    task_id: strawberry.ID | None = strawberry.field(description="Its last run's task.")
    error: str | None = strawberry.field(description="Why its last run failed.")
    created_at: datetime | None = strawberry.field(description="When it was made.")
    updated_at: datetime | None = strawberry.field(description="When it last changed.")

    @classmethod
    def from_row(cls, info: Info, row: EvaluationRow) -> "Evaluation":
        return cls(id=strawberry.ID(row.id), user_id=strawberry.ID(row.user_id), name=row.name,
                   description=row.description, models=list(row.models),
                   judge_model=row.judge_model,
                   status=runs.shown_status(info.context.services, row),
                   task_id=strawberry.ID(row.task_id) if row.task_id else None,
                   error=row.error, created_at=timestamp(row.created_at),
                   updated_at=timestamp(row.updated_at))

    @strawberry.field(description="Its cases, in order.")
    async def cases(self, info: Info) -> list[EvaluationCase]:
        return [EvaluationCase.from_row(c)
                for c in await sets.list_cases(info.context, str(self.id))]

    @strawberry.field(description="Its results, by case then model.")
    async def results(self, info: Info) -> list[CaseResult]:
        found = await results.get_results(info.context, str(self.id))
        return [CaseResult.from_row(r) for r in found.results]

    @strawberry.field(description="Each model's aggregates over the results.")
    async def scores(self, info: Info) -> list[ModelScore]:
        found = await results.get_results(info.context, str(self.id))
        return [ModelScore.from_score(s) for s in found.models]


@strawberry.type(description="Feedback on an answer (a thumbs or an arena vote), shared "
                             "with Open WebUI.")
class Feedback:
    id: strawberry.ID = strawberry.field(description="The feedback's id.")
    user_id: strawberry.ID = strawberry.field(description="Who gave it.")
    type: str = strawberry.field(description="E.g. rating.")
    data: JSON | None = strawberry.field(description="{rating, model_id, sibling_model_ids, "
                                                     "reason, comment, tags, ...}")
    meta: JSON | None = strawberry.field(description="{arena, chat_id, message_id, ...}")
    snapshot: JSON | None = strawberry.field(description="The chat as it was.")
    created_at: datetime | None = strawberry.field(description="When it was given.")
    updated_at: datetime | None = strawberry.field(description="When it last changed.")

    @classmethod
    def from_row(cls, row: FeedbackRow) -> "Feedback":
        return cls(id=strawberry.ID(row.id), user_id=strawberry.ID(row.user_id), type=row.type,
                   data=row.data, meta=row.meta, snapshot=row.snapshot,
                   created_at=timestamp(row.created_at), updated_at=timestamp(row.updated_at))


@strawberry.type(description="A model's place on the arena leaderboard (Elo from votes).")
class LeaderboardEntry:
    model_id: str = strawberry.field(description="The model.")
    rating: int = strawberry.field(description="Its Elo rating (start 1000, K 32).")
    won: int = strawberry.field(description="Votes won.")
    lost: int = strawberry.field(description="Votes lost.")
    count: int = strawberry.field(description="Votes counted.")
    top_tags: JSON = strawberry.field(description="Its most frequent tags: [{tag, count}].")

    @classmethod
    def from_entry(cls, entry: Entry) -> "LeaderboardEntry":
        return cls(model_id=entry.model_id, rating=entry.rating, won=entry.won,
                   lost=entry.lost, count=entry.count, top_tags=entry.top_tags)
