"""Where functions act: active pipes are models (`<id>`, or `<id>.<sub id>` for a
manifold pipe's `pipes`), filters run `inlet` on a completion's request and `outlet` on
its answer (global ones on every model, others where the model's preset lists them in
meta.filterIds, in their valves' `priority` order), and actions run on a message. Every
call runs in a worker (resolvers/functions/sandbox.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from data.llm.catalog import ModelEntry
from data.repos.functions import FunctionRepo
from data.repos.models import ModelRepo
from data.repos.users import UserRepo
from data.tables import FunctionRow
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.functions.sandbox import call_function, call_once, call_request
from resolvers.functions.valves import read_valves
from resolvers.permissions import require_verified

log = logging.getLogger("parley.functions")


@dataclass(frozen=True)
class PipeModel:
    id: str
    name: str
    function: FunctionRow
    sub_id: str | None = None

    def entry(self) -> ModelEntry:
        """The catalog entry a pipe model is listed with: Open WebUI lists pipes as
        OpenAI-owned models carrying `pipe: {type: "pipe"}`."""
        return ModelEntry(id=self.id, name=self.name, kind="openai", urls=(0,),
                          info={"id": self.id, "object": "model", "owned_by": "openai",
                                "pipe": {"type": "pipe"}},
                          connection_type="external", created=self.function.created_at or 0)


async def _active(ctx: Context, kind: str) -> Sequence[FunctionRow]:
    if not ctx.settings.functions.enabled:
        return []
    return await FunctionRepo(ctx.session).all(type=kind, active=True)


async def pipe_models(ctx: Context) -> list[PipeModel]:
    """Every active pipe as models; a manifold pipe whose `pipes` fails is left out
    (logged), as a connection that is down drops out of the model list."""
    found: list[PipeModel] = []
    for row in await _active(ctx, "pipe"):
        if "pipes" not in (row.content or ""):
            found.append(PipeModel(row.id, row.name, row))
            continue
        try:
            subs = await call_once(ctx, row.id, row.content or "", "pipes",
                                   valves=read_valves(ctx, row))
        except Exception as error:  # noqa: BLE001 - one broken pipe must not empty the list
            log.warning("pipe %s: listing its models failed: %s", row.id, error)
            continue
        if not isinstance(subs, list):
            found.append(PipeModel(row.id, row.name, row))
            continue
        for sub in subs:
            if isinstance(sub, dict) and isinstance(sub.get("id"), str):
                found.append(PipeModel(f"{row.id}.{sub['id']}",
                                       f"{row.name}{sub.get('name', sub['id'])}", row,
                                       sub["id"]))
    return found


async def find_pipe(ctx: Context, model_id: Any) -> FunctionRow | None:
    """The active pipe function that serves `model_id`, if one does."""
    if not isinstance(model_id, str) or not ctx.settings.functions.enabled:
        return None
    repo = FunctionRepo(ctx.session)
    for candidate in (model_id, model_id.split(".", 1)[0]):
        row = await repo.get(candidate)
        if row is not None and row.type == "pipe" and row.is_active:
            return row
    return None


async def caller(ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open WebUI's `__user__` for the caller, and their settings (for user valves)."""
    viewer = await require_verified(ctx)
    user = await UserRepo(ctx.session).get(viewer.id)
    if user is None:
        raise NotFound("No such user.", reason="user_not_found")
    settings = user.settings if isinstance(user.settings, dict) else {}
    return ({"id": user.id, "email": user.email, "name": user.name, "role": user.role},
            settings)


def user_valves_of(settings: dict[str, Any], function_id: str) -> dict[str, Any]:
    valves = (settings.get("functions") or {}).get("valves") or {}
    found = valves.get(function_id) if isinstance(valves, dict) else None
    return found if isinstance(found, dict) else {}


async def pipe_request(ctx: Context, row: FunctionRow, body: Mapping[str, Any]
                       ) -> dict[str, Any]:
    """The worker's request for the pipe `row` to answer `body`, with everything read
    from the database (valves, the caller), so the call needs no session. A pipe model is
    used as any model is: by administrators, or by who holds access to its `model` row."""
    # Imported here: resolvers.models lists pipe models through this module.
    from resolvers.models.models import check_model_access

    await check_model_access(ctx, await require_verified(ctx), str(body.get("model")))
    user, settings = await caller(ctx)
    return call_request(row.id, row.content or "", "pipe", body=dict(body),
                        valves=read_valves(ctx, row), user=user,
                        user_valves=user_valves_of(settings, row.id))


async def open_pipe(ctx: Context, row: FunctionRow, body: dict[str, Any]
                    ) -> AsyncIterator[dict[str, Any]]:
    """The pipe's messages (`piece`s while it streams, then its `result`)."""
    request = await pipe_request(ctx, row, body)
    return call_function(ctx, row.id, request["source"], "pipe", body=body,
                         valves=request["valves"], user=request["user"],
                         user_valves=request["user_valves"])


async def filters_for(ctx: Context, model_id: Any) -> list[FunctionRow]:
    filters = await _active(ctx, "filter")
    if not filters:
        return []
    listed: list[str] = []
    if isinstance(model_id, str):
        preset = await ModelRepo(ctx.session).get(model_id)
        meta = preset.meta if preset is not None and isinstance(preset.meta, dict) else {}
        listed = [i for i in meta.get("filterIds") or [] if isinstance(i, str)]
    chosen = [f for f in filters if f.is_global or f.id in listed]
    return sorted(chosen, key=lambda f: _priority(read_valves(ctx, f)))


def _priority(valves: dict[str, Any]) -> float:
    value = valves.get("priority", 0)
    return value if isinstance(value, (int, float)) else 0


async def apply_filters(ctx: Context, body: dict[str, Any], hook: str) -> dict[str, Any]:
    """Run every filter that applies to `body["model"]` with an `inlet` (or `outlet`) on
    the body in turn; each must answer a JSON object."""
    filters = await filters_for(ctx, body.get("model"))
    if not filters:
        return body
    user, settings = await caller(ctx)
    for row in filters:
        if f"def {hook}" not in (row.content or ""):
            continue
        changed = await call_once(ctx, row.id, row.content or "", hook, body=body,
                                  valves=read_valves(ctx, row), user=user,
                                  user_valves=user_valves_of(settings, row.id))
        if not isinstance(changed, dict):
            raise Invalid(f"Filter {row.id} answered its {hook} without a request body.",
                          reason="filter_answer_invalid")
        body = changed
    return body


async def run_action(ctx: Context, action_id: str, body: dict[str, Any]) -> Any:
    """Approved accounts: an active action on a message; its answer as it gave it."""
    user, settings = await caller(ctx)
    row = await FunctionRepo(ctx.session).get(action_id.split(".", 1)[0])
    if row is None or row.type != "action" or not (row.is_active and
                                                  ctx.settings.functions.enabled):
        raise NotFound("No such action.", reason="function_not_found")
    return await call_once(ctx, row.id, row.content or "", "action", body=body,
                           valves=read_valves(ctx, row), user=user,
                           user_valves=user_valves_of(settings, row.id))


async def execute_function(ctx: Context, function_id: str, body: dict[str, Any]) -> Any:
    """Approved accounts (the documented execute route): an active function on `body`,
    by its kind: an action's `action`, a pipe's whole answer, a filter's `inlet`."""
    row = await FunctionRepo(ctx.session).get(function_id)
    if row is None or not row.is_active or not ctx.settings.functions.enabled:
        await require_verified(ctx)
        raise NotFound("No such function.", reason="function_not_found")
    if row.type == "action":
        return await run_action(ctx, function_id, body)
    if row.type == "pipe":
        from resolvers.models.models import check_model_access  # see open_pipe

        await check_model_access(ctx, await require_verified(ctx), row.id)
    user, settings = await caller(ctx)
    method = {"pipe": "pipe", "filter": "inlet"}.get(row.type, "action")
    return await call_once(ctx, row.id, row.content or "", method, body=body,
                           valves=read_valves(ctx, row), user=user,
                           user_valves=user_valves_of(settings, row.id))
