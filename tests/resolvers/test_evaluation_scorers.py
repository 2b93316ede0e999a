"""The evaluation scorers, the JSON-schema checker and the judge's verdict, as pure
functions (the runs that use them are tested over REST on both databases)."""

from __future__ import annotations

import pytest

from resolvers.errors import Invalid
from resolvers.evaluations.json_schema import InvalidSchema, check_schema, problems
from resolvers.evaluations.judge import read_verdict
from resolvers.evaluations.results import percentile
from resolvers.evaluations.scorers import check_case, score_answer


@pytest.mark.parametrize(("scorer", "expected", "options", "output", "passed"), [
    ("exact", "Paris", None, "  Paris\n", True),
    ("exact", "Paris", None, "paris", False),
    ("exact", "Paris", {"ignore_case": True}, "paris", True),
    ("contains", "blue", None, "The sky is blue.", True),
    ("contains", "blue", None, "The sky is Blue.", False),
    ("regex", r"^\d{3}$", None, "123", True),
    ("regex", r"^\d{3}$", None, "1234", False),
    ("numeric", 3.14, {"tolerance": 0.01}, "About 3.141 or so", True),
    ("numeric", 3.14, {"tolerance": 0.001}, "About 3.1 or so", False),
    ("numeric", 1000, None, "It is 1,000.", True),
    ("numeric", -2, None, "minus: -2", True),
    ("numeric", 2, None, "two", False),
    ("json_schema", {"type": "object", "required": ["a"]}, None, '{"a": 1}', True),
    ("json_schema", {"type": "object", "required": ["a"]}, None, '```json\n{"a": 1}\n```', True),
    ("json_schema", {"type": "object", "required": ["a"]}, None, '{"b": 1}', False),
    ("json_schema", {"type": "object"}, None, "not json", False),
])
def test_each_scorer(scorer, expected, options, output, passed):
    result = score_answer(scorer, expected, options, output)
    assert result.passed is passed and result.score == (1.0 if passed else 0.0)
    assert (result.reason is None) is passed


def test_the_schema_checker_names_each_problem():
    schema = {"type": "object", "required": ["name", "tags"], "additionalProperties": False,
              "properties": {"name": {"type": "string", "minLength": 2},
                             "age": {"type": "integer", "minimum": 0},
                             "tags": {"type": "array", "items": {"enum": ["a", "b"]},
                                      "maxItems": 2}}}
    assert problems({"name": "Al", "tags": ["a"], "age": 3}, schema) == []
    found = problems({"name": "A", "age": -1.5, "tags": ["a", "c", "b"], "x": 1}, schema)
    assert [f.split(":")[0] for f in found] == ["$", "$.age", "$.age", "$.name", "$.tags",
                                                "$.tags[1]"]
    assert "'x' was unexpected" in found[0] and "is not of type 'integer'" in found[1]
    assert problems([1], {"type": ["object", "null"]}) == [
        "$: [1] is not of type 'object', 'null'"]
    assert problems(True, {"type": "integer"}) == ["$: True is not of type 'integer'"]
    # Keywords beyond a hand-made subset hold too, as the draft defines them.
    assert problems("2026-13-01", {"pattern": "^\\d{4}-(0[1-9]|1[0-2])-"}) != []
    assert problems({"a": 1}, {"dependentRequired": {"a": ["b"]}}) != []


def test_an_invalid_schema_is_refused():
    with pytest.raises(InvalidSchema):
        check_schema({"type": "thing"})
    check_schema({"type": "object", "properties": {"x": {"type": "number"}}})


@pytest.mark.parametrize(("scorer", "expected", "options"), [
    ("telepathy", "x", None), ("exact", "", None), ("contains", 5, None),
    ("regex", "(", None), ("json_schema", "object", None), ("numeric", "5", None),
    ("numeric", True, None), ("numeric", 5, {"tolerance": -1}), ("judge", None, None),
    ("exact", "x", [1])])
def test_cases_that_cannot_be_scored_are_refused(scorer, expected, options):
    with pytest.raises(Invalid, match="^case 7: "):
        check_case(scorer, expected, options, "case 7")


@pytest.mark.parametrize(("reply", "verdict", "score", "reason"), [
    ('{"verdict": "pass", "score": 0.75, "reason": "ok"}', "pass", 0.75, "ok"),
    ('Sure! {"verdict": "FAIL", "reason": "no"} Hope that helps', "fail", 0.0, "no"),
    ('{"verdict": "pass", "score": 7}', "pass", 1.0, None),
    ("I think it passes.", None, 0.0, "The judge gave no verdict: I think it passes."),
    ('{"verdict": "maybe"}', None, 0.0, 'The judge gave no verdict: {"verdict": "maybe"}'),
    ('{"verdict": "pass"', None, 0.0, 'The judge gave no verdict: {"verdict": "pass"')])
def test_the_judges_verdict(reply, verdict, score, reason):
    found, said = read_verdict(reply)
    assert said == verdict and found.score == score and found.reason == reason
    assert found.passed is (verdict == "pass")


def test_percentiles_by_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([30, 10, 20], 0.5) == 20
    assert percentile(list(range(1, 101)), 0.95) == 95
    assert percentile([5], 0.95) == 5
