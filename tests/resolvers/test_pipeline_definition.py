"""A pipeline definition's checks and templates, as pure functions."""

from resolvers.pipelines.definition import MAX_PATTERN, check_definition, render


def problems(*steps: dict) -> list[tuple[str | None, str | None]]:
    return [(p.step, p.field) for p in check_definition({"steps": list(steps)})]


def test_a_sound_definition_has_no_problems():
    assert problems(
        {"name": "find", "kind": "retrieval", "files": ["f1"], "query": "{{ input }}"},
        {"name": "ask", "kind": "model", "model": "m", "prompt": "{{steps.find.output}}",
         "system": "Be brief."},
        {"name": "tag", "kind": "filter", "function": "f"},
        {"name": "go", "kind": "condition", "matches": "^yes", "then": "end", "else": "no"},
        {"name": "no", "kind": "output", "template": "no"},
        {"name": "end", "kind": "output", "template": "{{steps.ask.output}}"}) == []


def test_each_kind_of_problem():
    assert problems({"name": "a", "kind": "model", "model": 3, "prompt": "x"}) == [
        ("a", "model")]
    assert problems({"name": "a", "kind": "retrieval", "knowledge": "kb"}) == [
        ("a", "knowledge")]
    assert problems({"name": "a", "kind": "retrieval", "files": ["f"], "k": 0}) == [("a", "k")]
    assert problems({"name": "a", "kind": "condition", "then": "b"},
                    {"name": "b", "kind": "output", "template": "x"}) == [("a", "contains")]
    assert problems({"name": "a", "kind": "condition", "contains": "x", "equals": "y",
                     "then": "b"}, {"name": "b", "kind": "output", "template": "x"}) == [
        ("a", "contains")]
    assert problems({"name": "a", "kind": "condition", "matches": "x" * (MAX_PATTERN + 1),
                     "then": "b"}, {"name": "b", "kind": "output", "template": "x"}) == [
        ("a", "matches")]
    assert problems({"name": "a", "kind": "condition", "contains": "x", "then": "a"}) == [
        ("a", "then")]  # a jump to itself is a cycle too
    assert problems({"name": "9a", "kind": "output", "template": "x"}) == [("9a", "name")]
    assert problems("nope") == [("#1", None)]


def test_rendering():
    outputs = {"a": "A"}
    assert render("{{input}}/{{ steps.a.output }}/{{steps.b.output}}", "in", outputs) == \
        "in/A/"  # a step skipped by a jump reads as empty text
    assert render("{{input}}", "{{steps.a.output}}", outputs) == "{{steps.a.output}}"
