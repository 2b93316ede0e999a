"""The documented `/api/evaluations` routes: evaluation sets of our own (cases scored
on models), their runs and their results (JSON, or CSV with `?format=csv`). Cases come
as a list or as JSON Lines (`cases_jsonl`). Bad input is a 400 naming the problem (a
JSONL line by its number); a run already going on is a 409."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_rest.common import parse_body, query_int
from compat_rest.openwebui.errors import NOT_FOUND, endpoint
from data.tables import EvaluationCaseRow, EvaluationResultRow, EvaluationRow
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.evaluations import results as results_
from resolvers.evaluations import runs, sets

BASE = "/api/evaluations"
DIALECT = {"evaluation_not_found": (404, NOT_FOUND)}


class CreateForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: StrictStr
    description: StrictStr = ""
    models: list[StrictStr]
    judge_model: StrictStr | None = None
    cases: list[dict[str, Any]] | None = None
    cases_jsonl: StrictStr | None = None


def evaluation_json(ctx: Context, row: EvaluationRow, case_count: int) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "name": row.name,
            "description": row.description, "models": row.models,
            "judge_model": row.judge_model, "status": runs.shown_status(ctx.services, row),
            "task_id": row.task_id, "error": row.error, "case_count": case_count,
            "run_started_at": row.run_started_at, "run_ended_at": row.run_ended_at,
            "created_at": row.created_at, "updated_at": row.updated_at}


def case_json(row: EvaluationCaseRow) -> dict[str, Any]:
    return {"id": row.id, "position": row.position, "messages": row.messages,
            "scorer": row.scorer, "expected": row.expected, "options": row.options}


def result_json(row: EvaluationResultRow, position: int) -> dict[str, Any]:
    return {"case_id": row.case_id, "position": position, "model": row.model,
            "output": row.output, "score": row.score, "passed": row.passed,
            "verdict": row.verdict, "reason": row.reason, "error": row.error,
            "latency_ms": row.latency_ms, "prompt_tokens": row.prompt_tokens,
            "completion_tokens": row.completion_tokens, "created_at": row.created_at}


def _cases(form: CreateForm) -> list[sets.CaseInput]:
    if (form.cases is None) == (form.cases_jsonl is None):
        raise Invalid("Give the cases as `cases` (a list) or as `cases_jsonl`, one of them.",
                      reason="invalid_evaluation", field="cases")
    if form.cases_jsonl is not None:
        return sets.parse_jsonl(form.cases_jsonl)
    return [sets.CaseInput(c.get("messages"), c.get("scorer"), c.get("expected"),
                           c.get("options")) for c in form.cases]


@endpoint(overrides=DIALECT)
async def list_evaluations(request: Request, ctx: Context) -> list:
    offset = query_int(request, "skip", low=0, default=0)
    limit = query_int(request, "limit", low=1, high=sets.MAX_PAGE, default=sets.MAX_PAGE)
    rows = await sets.list_evaluations(ctx, offset=offset, limit=limit)
    counts = await sets.case_counts(ctx, [row.id for row in rows])
    return [evaluation_json(ctx, row, counts.get(row.id, 0)) for row in rows]


@endpoint(write=True, overrides=DIALECT)
async def create_evaluation(request: Request, ctx: Context) -> dict:
    form = await parse_body(request, CreateForm)
    cases = _cases(form)
    row = await sets.create_evaluation(ctx, sets.EvaluationInput(
        name=form.name, description=form.description, models=form.models,
        judge_model=form.judge_model, cases=cases))
    return evaluation_json(ctx, row, len(cases))


@endpoint(overrides=DIALECT)
async def get_evaluation(request: Request, ctx: Context) -> dict:
    evaluation_id = request.path_params["id"]
    row = await sets.get_evaluation(ctx, evaluation_id)
    cases = await sets.list_cases(ctx, evaluation_id)
    return dict(evaluation_json(ctx, row, len(cases)), cases=[case_json(c) for c in cases])


@endpoint(write=True, overrides=DIALECT)
async def delete_evaluation(request: Request, ctx: Context) -> bool:
    await runs.delete_evaluation(ctx, request.path_params["id"])
    return True


@endpoint(write=True, overrides=DIALECT)
async def run_evaluation(request: Request, ctx: Context) -> dict:
    row, task = await runs.start_run(ctx, request.path_params["id"])
    return {"id": row.id, "status": row.status, "task_id": task.id}


@endpoint(overrides=DIALECT)
async def stop_evaluation(request: Request, ctx: Context) -> dict:
    row = await runs.stop_run(ctx, request.path_params["id"])
    return {"id": row.id, "status": "stopping", "task_id": row.task_id}


@endpoint(overrides=DIALECT)
async def get_results(request: Request, ctx: Context) -> Any:
    found = await results_.get_results(ctx, request.path_params["id"])
    position = {case.id: case.position for case in found.cases}
    rows = [result_json(r, position.get(r.case_id, -1)) for r in found.results]
    kind = request.query_params.get("format", "json")
    if kind == "csv":
        return Response(_csv(rows), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="evaluation-{found.evaluation.id}.csv"'})
    if kind != "json":
        raise Invalid("format is json or csv.", reason="invalid_format", field="format")
    return {"evaluation": evaluation_json(ctx, found.evaluation, len(found.cases)),
            "models": [vars(score) for score in found.models], "results": rows}


CSV_COLUMNS = ("position", "case_id", "model", "score", "passed", "verdict", "reason",
               "error", "latency_ms", "prompt_tokens", "completion_tokens", "output")


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, bool) else v
                         for k, v in row.items()})
    return out.getvalue()


def routes() -> list[Route]:
    one = f"{BASE}/{{id}}"
    return [
        Route(BASE, list_evaluations, methods=["GET"]),
        Route(BASE, create_evaluation, methods=["POST"]),
        Route(one, get_evaluation, methods=["GET"]),
        Route(one, delete_evaluation, methods=["DELETE"]),
        Route(f"{one}/run", run_evaluation, methods=["POST"]),
        Route(f"{one}/stop", stop_evaluation, methods=["POST"]),
        Route(f"{one}/results", get_results, methods=["GET"]),
    ]
