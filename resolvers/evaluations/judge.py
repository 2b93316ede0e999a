"""The judge scorer: a model reads the rubric and the answer and gives a verdict (pass
or fail), a score and a reason, as one JSON object. A reply without a verdict scores 0
and says so; the reply is kept as the reason."""

from __future__ import annotations

import json
import re
from typing import Any

from resolvers.evaluations.scorers import Score

PROMPT = """You grade an answer against a rubric.

Rubric:
{rubric}

Conversation:
{conversation}

Answer to grade:
{answer}

Reply with one JSON object and nothing else:
{{"verdict": "pass" or "fail", "score": a number from 0 to 1, "reason": "one sentence"}}"""

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def judge_messages(rubric: str, messages: list[dict[str, Any]], answer: str
                   ) -> list[dict[str, str]]:
    conversation = "\n".join(f"{m['role']}: {m['content']}" for m in messages)
    return [{"role": "user", "content": PROMPT.format(
        rubric=rubric, conversation=conversation, answer=answer)}]


def read_verdict(reply: str) -> tuple[Score, str | None]:
    """(the score, the verdict) from the judge's reply; verdict None when it gave none."""
    found = _OBJECT.search(reply)
    try:
        value = json.loads(found.group()) if found else None
    except ValueError:
        value = None
    verdict = value.get("verdict") if isinstance(value, dict) else None
    if not isinstance(verdict, str) or verdict.strip().lower() not in ("pass", "fail"):
        return Score(0.0, False, f"The judge gave no verdict: {reply.strip()[:200]}"), None
    verdict = verdict.strip().lower()
    passed = verdict == "pass"
    score = value.get("score")
    if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 1:
        score = 1.0 if passed else 0.0
    reason = value.get("reason")
    return Score(float(score), passed, reason if isinstance(reason, str) else None), verdict
