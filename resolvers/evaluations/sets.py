"""Evaluation sets: cases (messages, and how an answer is scored) and the models to run
them on. Their owner and administrators read and delete them; every model (and the
judge) must be one the owner may use when the set is made."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from data.repos.evaluations import EvaluationRepo
from data.tables import EvaluationCaseRow, EvaluationRow
from data.tables.base import now_s
from resolvers.context import Context, Viewer
from resolvers.errors import Invalid, NotFound
from resolvers.evaluations.scorers import check_case
from resolvers.models.models import connections, route_model
from resolvers.permissions import require_verified

MAX_CASES, MAX_MODELS = 5000, 10
MAX_PAGE = 100
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class CaseInput:
    messages: Any
    scorer: Any
    expected: Any = None
    options: Any = None


@dataclass(frozen=True)
class EvaluationInput:
    name: str
    models: Sequence[str]
    cases: Sequence[CaseInput]
    judge_model: str | None = None
    description: str = ""


def _bad(message: str, field: str | None = None) -> Invalid:
    return Invalid(message, reason="invalid_evaluation", field=field)


def parse_jsonl(text: str) -> list[CaseInput]:
    """Cases from JSON Lines, one object a line: `messages` (or `input`, a user message),
    `scorer`, `expected`, `options`; `rubric` means the judge scorer, `schema` the
    json_schema one. A bad line is named by its number; blank lines are skipped."""
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise _bad(f"line {number}: not JSON.", "cases") from None
        if not isinstance(item, dict):
            raise _bad(f"line {number}: each line must be a JSON object.", "cases")
        messages = item.get("messages")
        if messages is None and isinstance(item.get("input"), str):
            messages = [{"role": "user", "content": item["input"]}]
        scorer, expected = item.get("scorer"), item.get("expected")
        if "rubric" in item:
            scorer, expected = scorer or "judge", item["rubric"]
        elif "schema" in item:
            scorer, expected = scorer or "json_schema", item["schema"]
        case = CaseInput(messages, scorer or "exact", expected, item.get("options"))
        _check_case(case, f"line {number}")
        cases.append(case)
    return cases


def _check_case(case: CaseInput, where: str) -> None:
    messages = case.messages
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, Mapping) and m.get("role") in ROLES
            and isinstance(m.get("content"), str) for m in messages):
        raise _bad(f"{where}: messages must be a non-empty list of {{role, content}} with "
                   f"a role of {', '.join(ROLES)}.", "cases")
    check_case(case.scorer, case.expected, case.options, where)


async def _check_models(ctx: Context, viewer: Viewer, data: EvaluationInput) -> None:
    models = data.models
    if (not isinstance(models, list | tuple) or not 1 <= len(models) <= MAX_MODELS
            or not all(isinstance(m, str) and m for m in models)
            or len(set(models)) != len(models)):
        raise _bad(f"Give 1 to {MAX_MODELS} different model ids.", "models")
    wanted = [*models, *([data.judge_model] if data.judge_model else [])]
    conns = await connections(ctx)
    for model in wanted:
        await route_model(ctx, viewer, model, kind=None, conns=conns)


async def create_evaluation(ctx: Context, data: EvaluationInput) -> EvaluationRow:
    """Verified users, with models they may use. Everything is checked before anything
    is written."""
    viewer = await require_verified(ctx)
    if not isinstance(data.name, str) or not data.name.strip():
        raise _bad("A name is required.", "name")
    if not isinstance(data.cases, list | tuple) or not 1 <= len(data.cases) <= MAX_CASES:
        raise _bad(f"An evaluation has 1 to {MAX_CASES} cases.", "cases")
    for index, case in enumerate(data.cases):
        _check_case(case, f"case {index + 1}")
    if any(case.scorer == "judge" for case in data.cases) and not data.judge_model:
        raise _bad("Cases scored by a judge need a judge_model.", "judge_model")
    await _check_models(ctx, viewer, data)
    now = now_s()
    row = EvaluationRow(id=str(uuid.uuid4()), user_id=viewer.id, name=data.name.strip(),
                        description=data.description or "", models=list(data.models),
                        judge_model=data.judge_model, status="new", created_at=now,
                        updated_at=now)
    cases = [EvaluationCaseRow(id=str(uuid.uuid4()), evaluation_id=row.id, position=i,
                               messages=[dict(m) for m in c.messages], scorer=c.scorer,
                               expected=c.expected, options=c.options)
             for i, c in enumerate(data.cases)]
    await EvaluationRepo(ctx.session).add(row, cases)
    return row


async def get_evaluation(ctx: Context, evaluation_id: str, *,
                         for_update: bool = False) -> EvaluationRow:
    """Its owner or an administrator; to anyone else it does not exist."""
    viewer = await require_verified(ctx)
    row = await EvaluationRepo(ctx.session).get(evaluation_id, for_update=for_update)
    if row is None or (viewer.role != "admin" and row.user_id != viewer.id):
        raise NotFound("No such evaluation.", reason="evaluation_not_found")
    return row


async def list_evaluations(ctx: Context, *, offset: int = 0, limit: int = MAX_PAGE
                           ) -> Sequence[EvaluationRow]:
    """The caller's own, newest first (administrators: everyone's)."""
    viewer = await require_verified(ctx)
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise _bad(f"Pages hold 1 to {MAX_PAGE} evaluations from offset 0 on.")
    owner = None if viewer.role == "admin" else viewer.id
    return await EvaluationRepo(ctx.session).page(user_id=owner, offset=offset, limit=limit)


async def count_evaluations(ctx: Context) -> int:
    viewer = await require_verified(ctx)
    owner = None if viewer.role == "admin" else viewer.id
    return await EvaluationRepo(ctx.session).count(user_id=owner)


async def case_counts(ctx: Context, evaluation_ids: Sequence[str]) -> dict[str, int]:
    return await EvaluationRepo(ctx.session).case_counts(evaluation_ids)


async def list_cases(ctx: Context, evaluation_id: str) -> Sequence[EvaluationCaseRow]:
    await get_evaluation(ctx, evaluation_id)
    return await EvaluationRepo(ctx.session).cases(evaluation_id)
