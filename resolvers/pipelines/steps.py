"""Running one step of a pipeline as the run's caller. Each kind reads its templates
with the input and the earlier steps' outputs and answers a StepResult; a failure is a
DomainError (the run records it against the step). No step holds a database session
while it waits on an upstream or a function, except a function call's short read."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from resolvers.completions.completions import plan_chat_stream
from resolvers.context import Context
from resolvers.errors import UpstreamFailed
from resolvers.functions import runtime
from resolvers.pipelines.definition import render
from resolvers.retrieval.search import search

MATCHED_TEXT = 10_000  # characters a condition's `matches` pattern looks at
# Called with each piece of a model step's answer as it arrives.
Emit = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class StepResult:
    input: str
    output: str
    tokens: dict[str, int] | None = None
    jump: str | None = None  # a condition's chosen step (None: the next one)


async def run_step(ctx: Context, step: Mapping[str, Any], given: str,
                   outputs: dict[str, str], emit: Emit) -> StepResult:
    def text(field: str, default: str = "{{input}}") -> str:
        return render(step.get(field) or default, given, outputs)

    kind = step["kind"]
    if kind == "model":
        return await _model(ctx, step, text("prompt"), text("system", ""), emit)
    if kind == "retrieval":
        return await _retrieval(ctx, step, text("query"))
    if kind in ("function", "filter"):
        return await _function(ctx, step, text("input"))
    if kind == "condition":
        return _condition(step, text("input"))
    return StepResult(input="", output=text("template"))


async def _model(ctx: Context, step: Mapping[str, Any], prompt: str, system: str,
                 emit: Emit) -> StepResult:
    messages = [{"role": "system", "content": system}] if system.strip() else []
    body = {"model": step["model"], "messages": [*messages,
                                                  {"role": "user", "content": prompt}]}
    async with ctx.unit_of_work():  # the caller's access to the model, checked again
        plan = await plan_chat_stream(ctx, body)
    stream = plan.start(ctx.services, route="pipeline")
    try:
        await stream.open()
        async for chunk in stream.chunks():
            if chunk.content:
                await emit(chunk.content)
    finally:
        await stream.aclose()
    usage = stream.result.usage
    tokens = None if usage is None else {
        "prompt": usage.prompt_tokens, "completion": usage.completion_tokens,
        "total": usage.total_tokens}
    return StepResult(input=prompt, output=stream.result.content, tokens=tokens)


async def _retrieval(ctx: Context, step: Mapping[str, Any], query: str) -> StepResult:
    collections = [*(step.get("knowledge") or []),
                   *(f"file-{i}" for i in step.get("files") or [])]
    found = await search(ctx, collections, query, k=step.get("k", 4))
    return StepResult(input=query, output="\n\n".join(chunk.text for chunk in found))


async def _function(ctx: Context, step: Mapping[str, Any], given: str) -> StepResult:
    function_id = step["function"]
    body = {"model": function_id, "stream": False,
            "messages": [{"role": "user", "content": given}]}
    async with ctx.unit_of_work():
        answer = await runtime.execute_function(ctx, function_id, body)
    return StepResult(input=given, output=_answer_text(function_id, answer))


def _answer_text(function_id: str, answer: Any) -> str:
    """A pipe's text, an action's `content`, or a filter's last message."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, dict):
        messages = answer.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
            return str(messages[-1].get("content", ""))
        if isinstance(answer.get("content"), str):
            return answer["content"]
    if answer is None:
        raise UpstreamFailed(f"Function {function_id!r} answered nothing.",
                             reason="function_answer_empty")
    return json.dumps(answer)


def _condition(step: Mapping[str, Any], value: str) -> StepResult:
    if isinstance(step.get("contains"), str):
        held = step["contains"] in value
    elif isinstance(step.get("equals"), str):
        held = value.strip() == step["equals"].strip()
    else:  # the owner's pattern on a bounded text: a slow pattern stays bounded too
        held = re.search(step["matches"], value[:MATCHED_TEXT]) is not None
    target = step["then"] if held else step.get("else")
    return StepResult(input=value, output="true" if held else "false", jump=target)
