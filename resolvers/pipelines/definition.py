"""A pipeline's definition: its steps, checked as a whole when saved, every problem
named at once (an editor shows them all, not the first).

    {"steps": [
      {"name": "find", "kind": "retrieval", "knowledge": ["kb-1"], "query": "{{input}}"},
      {"name": "sum", "kind": "model", "model": "llama3:8b",
       "prompt": "Summarise: {{steps.find.output}}"},
      {"name": "ok", "kind": "condition", "input": "{{steps.sum.output}}",
       "contains": "error", "then": "apology", "else": "done"},
      {"name": "apology", "kind": "output", "template": "Sorry."},
      {"name": "done", "kind": "output", "template": "{{steps.sum.output}}"}]}

Steps run in order; a condition jumps to its `then` (or `else`, default: the next step)
and an output step ends the run. Jumps go forward only, so a run always ends: a jump
back is a cycle and refused. A template names `{{input}}` and earlier steps'
`{{steps.<name>.output}}`; a step skipped by a jump reads as empty text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_STEPS = 100
MAX_TEMPLATE = 100_000
MAX_IDS = 50
MAX_PATTERN = 500
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
REFERENCE = re.compile(r"\s*(?:(input)|steps\.([A-Za-z][A-Za-z0-9_-]{0,63})\.output)\s*")
TESTS = ("contains", "equals", "matches")
# kind -> (required text fields, optional text fields); templates are rendered at run time
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "model": (("model", "prompt"), ("system",)),
    "retrieval": ((), ("query",)),
    "function": (("function",), ("input",)),
    "filter": (("function",), ("input",)),
    "condition": (("then",), ("input", "else", *TESTS)),
    "output": (("template",), ()),
}
TEMPLATES = ("prompt", "system", "query", "input", "template")


@dataclass(frozen=True)
class Problem:
    step: str | None  # the step's name (or `#<position>` when it has none)
    field: str | None
    message: str

    def text(self) -> str:
        where = ".".join(p for p in (self.step, self.field) if p)
        return f"{where}: {self.message}" if where else self.message


def steps_of(definition: Any) -> list[dict[str, Any]]:
    """The steps of a definition that passed `check_definition`."""
    return list(definition["steps"])


def references(template: str) -> Iterator[str | None]:
    """Each placeholder's step name (`None` for `{{input}}`); unknown ones raise."""
    for match in PLACEHOLDER.finditer(template):
        found = REFERENCE.fullmatch(match.group(1))
        if found is None:
            raise ValueError(match.group(0))
        yield found.group(2)


def check_definition(definition: Any) -> list[Problem]:
    """Every problem of shape and order; an empty list means it may run."""
    if not isinstance(definition, dict) or not isinstance(definition.get("steps"), list):
        return [Problem(None, "steps", "A definition is an object with a list of steps.")]
    steps = definition["steps"]
    if not steps:
        return [Problem(None, "steps", "A pipeline has at least one step.")]
    if len(steps) > MAX_STEPS:
        return [Problem(None, "steps", f"A pipeline has at most {MAX_STEPS} steps, "
                                       f"not {len(steps)}.")]
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, step in enumerate(steps):
        name = step.get("name") if isinstance(step, dict) else None
        label = name if isinstance(name, str) and name else f"#{index + 1}"
        if not isinstance(step, dict):
            problems.append(Problem(label, None, "A step is an object."))
            continue
        if not isinstance(name, str) or not NAME.fullmatch(name):
            problems.append(Problem(label, "name", "A step's name is a letter followed by "
                                                   "up to 63 letters, digits, - or _."))
        elif name in positions:
            problems.append(Problem(label, "name", "Another step has this name."))
        else:
            positions[name] = index
    for index, step in enumerate(steps):
        if isinstance(step, dict):
            problems += _check_step(step, index, positions)
    return problems


def _check_step(step: dict[str, Any], index: int, positions: dict[str, int]) -> list[Problem]:
    label = step.get("name") if isinstance(step.get("name"), str) else f"#{index + 1}"
    kind = step.get("kind")
    if kind not in FIELDS:
        return [Problem(label, "kind", f"Unknown step kind {kind!r}; one of "
                                       f"{', '.join(FIELDS)}.")]
    required, optional = FIELDS[kind]
    problems = []
    for field in required:
        if not isinstance(step.get(field), str) or not step[field].strip():
            problems.append(Problem(label, field, f"A {kind} step needs {field} (text)."))
    for field in optional:
        if field in step and step[field] is not None and not isinstance(step[field], str):
            problems.append(Problem(label, field, f"{field} is text."))
    for field in TEMPLATES:
        if isinstance(step.get(field), str):
            problems += _check_template(label, field, step[field], index, positions)
    if kind == "retrieval":
        problems += _check_sources(label, step)
    if kind == "condition":
        problems += _check_condition(label, step, index, positions)
    return problems


def _check_template(label: str, field: str, template: str, index: int,
                    positions: dict[str, int]) -> list[Problem]:
    if len(template) > MAX_TEMPLATE:
        return [Problem(label, field, f"A template has at most {MAX_TEMPLATE} characters.")]
    problems = []
    try:
        named = list(references(template))
    except ValueError as unknown:
        return [Problem(label, field, f"Unknown placeholder {unknown}; use {{{{input}}}} or "
                                      "{{steps.<name>.output}}.")]
    for name in dict.fromkeys(n for n in named if n is not None):
        if name not in positions:
            problems.append(Problem(label, field, f"No step is named {name!r}."))
        elif positions[name] >= index:
            problems.append(Problem(label, field, f"Step {name!r} does not run before this "
                                                  "one; only earlier steps can be named."))
    return problems


def _check_sources(label: str, step: dict[str, Any]) -> list[Problem]:
    problems, count = [], 0
    for field in ("knowledge", "files"):
        ids = step.get(field, [])
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            problems.append(Problem(label, field, f"{field} is a list of ids."))
        else:
            count += len(ids)
    if not problems and not 1 <= count <= MAX_IDS:
        problems.append(Problem(label, "knowledge", f"A retrieval step reads 1 to {MAX_IDS} "
                                                    "knowledge bases or files."))
    k = step.get("k", 4)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 100:
        problems.append(Problem(label, "k", "k is a whole number from 1 to 100."))
    return problems


def _check_condition(label: str, step: dict[str, Any], index: int,
                     positions: dict[str, int]) -> list[Problem]:
    tests = [t for t in TESTS if isinstance(step.get(t), str)]
    problems = []
    if len(tests) != 1:
        problems.append(Problem(label, "contains", "A condition has one test: contains, "
                                                   "equals or matches."))
    elif tests == ["matches"] and len(step["matches"]) > MAX_PATTERN:
        problems.append(Problem(label, "matches", f"A pattern has at most {MAX_PATTERN} "
                                                  "characters."))
    elif tests == ["matches"]:
        try:
            re.compile(step["matches"])
        except re.error as error:
            problems.append(Problem(label, "matches", f"Not a regular expression: {error}."))
    for field in ("then", "else"):
        target = step.get(field)
        if not isinstance(target, str) or not target:
            continue
        if target not in positions:
            problems.append(Problem(label, field, f"No step is named {target!r}."))
        elif positions[target] <= index:
            problems.append(Problem(label, field, f"Going back to {target!r} makes a cycle; "
                                                  "a condition jumps forward only."))
    return problems


def render(template: str, given: str, outputs: dict[str, str]) -> str:
    """The template with `{{input}}` and earlier steps' outputs put in."""
    def value(match: re.Match[str]) -> str:
        found = REFERENCE.fullmatch(match.group(1))
        if found is None:
            return match.group(0)
        return given if found.group(1) else outputs.get(found.group(2), "")
    return PLACEHOLDER.sub(value, template)
