"""Checking and calling a function's code, always in a worker process. A worker's
failure becomes a DomainError naming its cause: bad code on create/update is the
caller's (400, naming the line); a failing call is the function's, answered as a failing
upstream (502), and a pool with no free worker as 503."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from data.functions.pool import CallStop, FunctionFailed
from resolvers.context import Context
from resolvers.errors import DomainError, Invalid, Unavailable, UpstreamFailed
from resolvers.tasks.registry import FUNCTION, Stopped


@dataclass(frozen=True)
class Checked:
    """What a worker found in a module."""

    type: str  # pipe, filter or action
    valves_spec: dict[str, Any] | None
    user_valves_spec: dict[str, Any] | None
    manifold: bool


def _code_error(failure: FunctionFailed) -> Invalid:
    where = f"line {failure.line}: " if failure.line and failure.kind != "syntax" else ""
    return Invalid(f"The function's code does not load: {where}{failure.message}",
                   reason="function_code_invalid", field="content")


def call_error(failure: FunctionFailed, function_id: str) -> DomainError:
    if failure.kind == "busy":
        return Unavailable(failure.message, reason="functions_busy")
    return UpstreamFailed(f"Function {function_id} failed ({failure.kind}): "
                          f"{failure.message}", reason=f"function_{failure.kind}")


async def check_source(ctx: Context, source: str) -> Checked:
    """Compile and load `source` in a worker; the caller must be an admin already."""
    try:
        async for message in ctx.services.functions.call({"op": "check", "source": source}):
            found = message.get("result") or {}
    except FunctionFailed as failure:
        if failure.kind == "busy":
            raise call_error(failure, "check") from None
        raise _code_error(failure) from None
    return Checked(type=found.get("type", ""), valves_spec=found.get("valves_spec"),
                   user_valves_spec=found.get("user_valves_spec"),
                   manifold=bool(found.get("manifold")))


async def call_function(ctx: Context, function_id: str, source: str, method: str, *,
                        body: Any = None, valves: dict | None = None,
                        user: dict | None = None, user_valves: dict | None = None,
                        ) -> AsyncIterator[dict[str, Any]]:
    """Yield the worker's messages: `{"piece": ...}` while a pipe streams, then
    `{"result": ...}`. Raises DomainError when the call fails."""
    request = call_request(function_id, source, method, body=body, valves=valves,
                           user=user, user_valves=user_valves)
    stop = CallStop()
    # On the task list like a completion: whoever may stop tasks may stop it.
    task = ctx.services.tasks.add(kind=FUNCTION, user_id=(user or {}).get("id", ""),
                                  model=function_id, route=f"function:{method}",
                                  interrupt=stop.stop)
    try:
        async for message in ctx.services.functions.call(request, stop):
            yield message
    except FunctionFailed as failure:
        raise failed_call(failure, function_id) from None
    finally:
        ctx.services.tasks.discard(task.id)


def call_request(function_id: str, source: str, method: str, *, body: Any = None,
                 valves: dict | None = None, user: dict | None = None,
                 user_valves: dict | None = None) -> dict[str, Any]:
    """The worker protocol's `call` message."""
    return {"op": "call", "id": function_id, "source": source, "method": method,
            "body": body, "valves": valves or {}, "user": user,
            "user_valves": user_valves or {}}


def failed_call(failure: FunctionFailed, function_id: str) -> DomainError:
    """A call's failure as a DomainError; a stopped call is `Stopped`, as any task."""
    if failure.kind == "stopped":
        return Stopped("The function's call was stopped.", reason="stopped")
    return call_error(failure, function_id)


async def call_once(ctx: Context, function_id: str, source: str, method: str,
                    **options: Any) -> Any:
    """A call's final result, pieces of a stream joined when they are text."""
    pieces: list[Any] = []
    result: Any = None
    async for message in call_function(ctx, function_id, source, method, **options):
        if "piece" in message:
            pieces.append(message["piece"])
        else:
            result = message.get("result")
    if pieces and result is None:
        return "".join(p if isinstance(p, str) else "" for p in pieces)
    return result
