"""Checking a model definition without saving it: every problem found, each naming the
field it is in, so a client can show them all at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data.repos.model_refs import functions_by_ids
from data.repos.models import ModelRepo
from resolvers.context import Context, Viewer
from resolvers.errors import DomainError
from resolvers.knowledge.access import readable_knowledge_ids
from resolvers.models import models
from resolvers.models.workspace import checked_id, write_access
from resolvers.permissions import require_verified
from resolvers.users.permissions import allows, effective_permissions

# Sampling parameters that are numbers within a range: name -> (lowest, highest)
_NUMBERS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}
_FUNCTION_KINDS = {"filterIds": "filter", "actionIds": "action"}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def param_problems(params: Any) -> list[Problem]:
    if params is None:
        return []
    if not isinstance(params, Mapping):
        return [Problem("params", "params must be an object.")]
    found = []
    for name, (low, high) in _NUMBERS.items():
        value = params.get(name)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)
                                  or not low <= value <= high):
            found.append(Problem(f"params.{name}", f"{name} is a number from {low} to {high}."))
    value = params.get("max_tokens")
    if value is not None and (not _is_int(value) or value < 1):
        found.append(Problem("params.max_tokens", "max_tokens is a whole number above 0."))
    value = params.get("seed")
    if value is not None and not _is_int(value):
        found.append(Problem("params.seed", "seed is a whole number."))
    value = params.get("stop")
    if value is not None and not (isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value))):
        found.append(Problem("params.stop", "stop is a string or a list of strings."))
    value = params.get("system")
    if value is not None and not isinstance(value, str):
        found.append(Problem("params.system", "system is a string."))
    return found


async def _id_problems(ctx: Context, viewer: Viewer, model_id: Any, update: bool
                       ) -> list[Problem]:
    try:
        model_id = checked_id(model_id)
    except DomainError as error:
        return [Problem("id", str(error))]
    row = await ModelRepo(ctx.session).get(model_id)
    if update and row is None:
        return [Problem("id", "No workspace model has this id.")]
    if update and not await write_access(ctx, viewer, row):
        return [Problem("id", "You may not change this model.")]
    if not update and row is not None:
        return [Problem("id", "This model id is taken.")]
    return []


async def _base_problems(ctx: Context, viewer: Viewer, model_id: Any, base: Any
                         ) -> list[Problem]:
    if base is None:
        if viewer.role != "admin":
            return [Problem("base_model_id", "A base model is required.")]
        return []
    if not isinstance(base, str) or not base:
        return [Problem("base_model_id", "base_model_id is a model id.")]
    if base == model_id:
        return [Problem("base_model_id", "A model cannot be its own base model.")]
    repo = ModelRepo(ctx.session)
    row = await repo.get(base)
    upstream = (await models.catalog(ctx)).find(base)
    if row is None and upstream is None:
        return [Problem("base_model_id", f"There is no model {base!r}.")]
    if viewer.role != "admin":
        try:
            await models.check_model_access(ctx, viewer, base)
        except DomainError:
            return [Problem("base_model_id", f"You may not use the model {base!r}.")]
    seen = {base}
    while row is not None and row.base_model_id:  # follow presets built on presets
        if row.base_model_id == model_id or row.base_model_id in seen:
            return [Problem("base_model_id", "The base models form a cycle.")]
        seen.add(row.base_model_id)
        row = await repo.get(row.base_model_id)
    return []


def _ids(value: Any) -> list[str] | None:
    """The ids in a list of ids or of `{id: ...}` objects; None when it is not a list."""
    if value is None:
        return []
    if not isinstance(value, list):
        return None
    ids = [item.get("id") if isinstance(item, Mapping) else item for item in value]
    return [i for i in ids if isinstance(i, str)] if all(isinstance(i, str) for i in ids) \
        else None


async def _reference_problems(ctx: Context, viewer: Viewer, meta: Mapping) -> list[Problem]:
    found = []
    raw = meta.get("knowledge")
    knowledge = _ids([k for k in raw if not (isinstance(k, Mapping) and k.get("type") == "file")]
                     if isinstance(raw, list) else raw)
    if knowledge is None:
        found.append(Problem("meta.knowledge", "knowledge is a list of knowledge bases."))
    else:
        readable = await readable_knowledge_ids(ctx, viewer, knowledge)
        found += [Problem("meta.knowledge", f"There is no knowledge base {k!r} you may read.")
                  for k in knowledge if k not in readable]
    tools = _ids(meta.get("toolIds"))
    if tools is None:
        found.append(Problem("meta.toolIds", "toolIds is a list of tool ids."))
    else:  # Parley has no tools (yet): any id names a tool that does not exist
        found += [Problem("meta.toolIds", f"There is no tool {t!r}.") for t in tools]
    for key, kind in _FUNCTION_KINDS.items():
        ids = _ids(meta.get(key))
        if ids is None:
            found.append(Problem(f"meta.{key}", f"{key} is a list of {kind} ids."))
            continue
        functions = await functions_by_ids(ctx.session, ids)
        for function_id in ids:
            known = functions.get(function_id)
            usable = known is not None and known[0] == kind and (
                known[1] or viewer.role == "admin")
            if not usable:
                found.append(Problem(f"meta.{key}", f"There is no {kind} {function_id!r}."))
    return found


async def validate_model(ctx: Context, definition: Mapping[str, Any], *,
                         update: bool = False) -> list[Problem]:
    """Verified users: the problems of a model definition (none: it would be saved).
    `update` checks it as a change of an existing model the caller may change."""
    viewer = await require_verified(ctx)
    found: list[Problem] = []
    if viewer.role != "admin" and not update:
        permissions = await effective_permissions(ctx, viewer.user)
        if not allows(permissions, "workspace.models"):
            found.append(Problem("id", "You may not create models."))
    found += await _id_problems(ctx, viewer, definition.get("id"), update)
    name = definition.get("name")
    if not isinstance(name, str) or not name.strip():
        found.append(Problem("name", "A name is required."))
    found += await _base_problems(ctx, viewer, definition.get("id"),
                                  definition.get("base_model_id"))
    found += param_problems(definition.get("params"))
    meta = definition.get("meta")
    if meta is not None and not isinstance(meta, Mapping):
        found.append(Problem("meta", "meta must be an object."))
    elif meta:
        found += await _reference_problems(ctx, viewer, meta)
    return found
