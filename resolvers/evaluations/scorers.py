"""How an answer is scored against a case: exact, contains, regex, json_schema, numeric
(pure functions here), and judge (a model with a rubric; resolvers/evaluations/judge.py).
A score is 0 to 1; these scorers give 1 (passed) or 0."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from resolvers.errors import Invalid
from resolvers.evaluations.json_schema import InvalidSchema, check_schema, problems

SCORERS = ("exact", "contains", "regex", "json_schema", "numeric", "judge")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)


@dataclass(frozen=True)
class Score:
    score: float
    passed: bool
    reason: str | None = None


def check_case(scorer: Any, expected: Any, options: Any, where: str) -> None:
    """A case's scorer and expected value make sense, before anything is stored."""
    def bad(message: str) -> Invalid:
        return Invalid(f"{where}: {message}", reason="invalid_case")
    if scorer not in SCORERS:
        raise bad(f"the scorer must be one of {', '.join(SCORERS)}.")
    if options is not None and not isinstance(options, dict):
        raise bad("options must be an object.")
    if scorer in ("exact", "contains", "judge") and not (
            isinstance(expected, str) and expected.strip()):
        raise bad(f"the {scorer} scorer needs a non-empty text as `expected`.")
    if scorer == "regex":
        if not isinstance(expected, str) or not expected:
            raise bad("the regex scorer needs a pattern as `expected`.")
        try:
            re.compile(expected)
        except re.error as error:
            raise bad(f"the pattern does not compile ({error}).") from None
    if scorer == "json_schema":
        if not isinstance(expected, dict):
            raise bad("the json_schema scorer needs a JSON schema object as `expected`.")
        try:
            check_schema(expected)
        except InvalidSchema as error:
            raise bad(f"the JSON schema is not valid ({error}).") from None
    if scorer == "numeric":
        if not _number(expected):
            raise bad("the numeric scorer needs a number as `expected`.")
        tolerance = (options or {}).get("tolerance", 0)
        if not _number(tolerance) or tolerance < 0:
            raise bad("the tolerance must be a number of 0 or more.")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def score_answer(scorer: str, expected: Any, options: dict | None, output: str) -> Score:
    """Score a model's answer with any scorer but `judge`."""
    options = options or {}
    fold = options.get("ignore_case") is True
    text, want = (output.lower(), str(expected).lower()) if fold else (output, str(expected))
    if scorer == "exact":
        return _verdict(text.strip() == want.strip(), "the answer differs")
    if scorer == "contains":
        return _verdict(want in text, "the expected text is not in the answer")
    if scorer == "regex":
        found = re.search(expected, output, re.IGNORECASE if fold else 0)
        return _verdict(found is not None, "the pattern does not match")
    if scorer == "json_schema":
        return _json_schema(expected, output)
    if scorer == "numeric":
        match = _NUMBER.search(output.replace(",", ""))
        if match is None:
            return Score(0.0, False, "no number in the answer")
        tolerance = options.get("tolerance", 0)
        got = float(match.group())
        return _verdict(abs(got - expected) <= tolerance,
                        f"{got:g} is not within {tolerance:g} of {expected:g}")
    raise ValueError(f"not a local scorer: {scorer}")


def _verdict(ok: bool, why: str) -> Score:
    return Score(1.0, True) if ok else Score(0.0, False, why)


def _json_schema(schema: dict, output: str) -> Score:
    text = output.strip()
    fenced = _FENCE.match(text)
    try:
        value = json.loads(fenced.group(1) if fenced else text)
    except ValueError:
        return Score(0.0, False, "the answer is not JSON")
    found = problems(value, schema)
    return Score(0.0, False, "; ".join(found[:5])) if found else Score(1.0, True)
