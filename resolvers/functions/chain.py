"""The filters around one completion, read once while the request still has its session,
then run from the completion's producer without one: `stream` on each streamed piece (as
Open WebUI passes each parsed chunk to Filter.stream) and `outlet` on the finished answer
of a chat-bound completion. Every call runs in a worker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data.functions.pool import FunctionFailed
from resolvers.context import Context, Services
from resolvers.errors import UpstreamFailed
from resolvers.functions import runtime
from resolvers.functions.sandbox import call_request, failed_call
from resolvers.functions.valves import read_valves


@dataclass(frozen=True)
class FilterCall:
    function_id: str
    source: str
    valves: dict[str, Any]
    user: dict[str, Any]
    user_valves: dict[str, Any]

    def has(self, hook: str) -> bool:
        # A cheap look at the source, as apply_filters does: a worker call per streamed
        # piece is only paid for filters that define the hook.
        return f"def {hook}" in self.source


@dataclass(frozen=True)
class FilterChain:
    """The filters that apply to a model, in priority order."""

    calls: tuple[FilterCall, ...] = ()

    def hooks(self, hook: str) -> tuple[FilterCall, ...]:
        return tuple(c for c in self.calls if c.has(hook))

    async def run(self, services: Services, hook: str, value: Any) -> Any:
        """`value` through each filter's `hook` in turn. A filter answering nothing (a
        `stream` dropping a piece) ends the chain with None."""
        for call in self.hooks(hook):
            if value is None:
                return None
            request = call_request(call.function_id, call.source, hook, body=value,
                                   valves=call.valves, user=call.user,
                                   user_valves=call.user_valves)
            value = await _result(services, request, call.function_id)
            if value is not None and not isinstance(value, Mapping):
                raise UpstreamFailed(f"Filter {call.function_id} answered its {hook} with "
                                     "something that is not a JSON object.",
                                     reason="filter_answer_invalid")
        return value


async def _result(services: Services, request: dict[str, Any], function_id: str) -> Any:
    result: Any = None
    try:
        async for message in services.functions.call(request):
            if "piece" not in message:
                result = message.get("result")
    except FunctionFailed as failure:
        raise failed_call(failure, function_id) from None
    return result


async def filter_chain(ctx: Context, model_id: Any) -> FilterChain:
    """The active filters for `model_id` (global ones, and those its preset lists), with
    their valves and the caller's user valves, read now."""
    rows = await runtime.filters_for(ctx, model_id)
    if not rows:
        return FilterChain()
    user, settings = await runtime.caller(ctx)
    return FilterChain(tuple(
        FilterCall(row.id, row.content or "", read_valves(ctx, row), user,
                   runtime.user_valves_of(settings, row.id)) for row in rows))
