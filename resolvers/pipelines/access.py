"""What a pipeline may use, as a given person: its models, knowledge bases, files and
functions. Checked as the owner when saved and as the caller when run (a run never
borrows the owner's access); every refusal is listed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from data.repos.access_grants import AccessGrantRepo
from data.repos.functions import FunctionRepo
from data.repos.groups import GroupRepo
from data.tables import PipelineRow
from resolvers.context import Context, Viewer
from resolvers.errors import DomainError
from resolvers.files.access import accessible_file
from resolvers.knowledge.access import readable_knowledge_ids
from resolvers.models.models import check_model_access
from resolvers.pipelines.definition import Problem

RESOURCE = "pipeline"
FUNCTION_TYPES = {"function": ("pipe", "action"), "filter": ("filter",)}


async def usable_problems(ctx: Context, viewer: Viewer, steps: Sequence[dict[str, Any]]
                          ) -> list[Problem]:
    """What in these (well-formed) steps `viewer` may not use."""
    problems: list[Problem] = []
    checked_models: dict[str, bool] = {}
    for step in steps:
        name, kind = step["name"], step.get("kind")
        if kind == "model" and isinstance(step.get("model"), str):
            model = step["model"]
            if model not in checked_models:
                try:
                    await check_model_access(ctx, viewer, model)
                    checked_models[model] = True
                except DomainError:
                    checked_models[model] = False
            if not checked_models[model]:
                problems.append(Problem(name, "model", f"You may not use model {model!r}."))
        elif kind == "retrieval":
            problems += await _sources(ctx, viewer, name, step)
        elif kind in FUNCTION_TYPES and isinstance(step.get("function"), str):
            problems += await _function(ctx, name, kind, step["function"])
    return problems


async def _sources(ctx: Context, viewer: Viewer, name: str, step: dict[str, Any]
                   ) -> list[Problem]:
    problems: list[Problem] = []
    knowledge, files = step.get("knowledge") or [], step.get("files") or []
    if not (isinstance(knowledge, list) and isinstance(files, list)
            and all(isinstance(i, str) for i in [*knowledge, *files])):
        return problems  # a problem of shape, named by the definition's check
    readable = await readable_knowledge_ids(ctx, viewer, knowledge) if knowledge else set()
    problems += [Problem(name, "knowledge", f"No knowledge base {k!r} that you may read.")
                 for k in knowledge if k not in readable]
    for file_id in files:
        try:
            await accessible_file(ctx, viewer, file_id)
        except DomainError:
            problems.append(Problem(name, "files", f"No file {file_id!r} that you may read."))
    return problems


async def _function(ctx: Context, name: str, kind: str, function_id: str) -> list[Problem]:
    row = await FunctionRepo(ctx.session).get(function_id)
    wanted = FUNCTION_TYPES[kind]
    if row is None or not row.is_active or not ctx.settings.functions.enabled:
        return [Problem(name, "function", f"No active function {function_id!r}.")]
    if row.type not in wanted:
        return [Problem(name, "function", f"Function {function_id!r} is a {row.type}; a "
                                          f"{kind} step calls a {' or '.join(wanted)}.")]
    return []


async def granted(ctx: Context, viewer: Viewer, permission: str,
                  ids: Sequence[str] | None = None) -> set[str]:
    """Pipeline ids granted to the viewer directly, through a group, or to everyone."""
    groups = (await GroupRepo(ctx.session).ids_for_users([viewer.id])).get(viewer.id, [])
    return await AccessGrantRepo(ctx.session).granted(
        RESOURCE, user_id=viewer.id, group_ids=groups, permission=permission,
        resource_ids=None if ids is None else list(ids))


async def may(ctx: Context, viewer: Viewer, row: PipelineRow, permission: str) -> bool:
    if viewer.role == "admin" or row.user_id == viewer.id:
        return True
    return bool(await granted(ctx, viewer, permission, [row.id]))
