"""The models a caller may use: the upstreams' merged catalog, overlaid with Open WebUI's
`model` rows (overrides and presets), filtered by its access rules, and routed to the
connection that serves each one.

Access, as in Open WebUI: administrators use every model; anyone else uses a model once
it has a `model` row that is active and that they own or hold a read grant on (directly,
through a group, or as `user:*`, "everyone"). BYPASS_MODEL_ACCESS_CONTROL lifts the rule.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from data.llm.base import OLLAMA, OPENAI, Connection, Connections
from data.llm.catalog import Catalog, ModelEntry
from data.repos.access_grants import AccessGrantRepo
from data.repos.groups import GroupRepo
from data.repos.models import ModelAccessReader, ModelRepo
from data.tables import AccessGrantRow, ModelRow
from resolvers.context import Context, Viewer
from resolvers.errors import Forbidden, NotFound, Unavailable
from resolvers.functions.runtime import pipe_models
from resolvers.permissions import require_verified

KIND_NAMES = {OLLAMA: "Ollama", OPENAI: "OpenAI"}


@dataclass(frozen=True)
class AvailableModel:
    """A model as a caller sees it. `entry` is the upstream model it runs on (for a
    preset, its base model's); `row` is its workspace row, if it has one."""

    id: str
    name: str
    entry: ModelEntry
    row: ModelRow | None = None
    grants: tuple[AccessGrantRow, ...] = ()

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def preset(self) -> bool:
        return self.row is not None and self.row.base_model_id is not None


@dataclass(frozen=True)
class Route:
    """Where one request goes: the connection, and the model id the upstream knows."""

    connection: Connection
    model_id: str
    upstream_model: str
    entry: ModelEntry | None
    preset: ModelRow | None = None


_parsed: tuple[object, Connections] | None = None


async def connections(ctx: Context) -> Connections:
    """The configured connections. Parsed once per read of the config rows: the same
    object comes back until they are read again, so comparing it is cheap."""
    global _parsed
    values = await ctx.services.config.current()
    if _parsed is None or _parsed[0] is not values:
        _parsed = (values, Connections.from_config(values))
    return _parsed[1]


async def catalog(ctx: Context, *, refresh: bool = False,
                  conns: Connections | None = None) -> Catalog:
    conns = conns or await connections(ctx)
    return await ctx.services.llm.catalog(conns, max_age=0 if refresh else None)


def _sees_everything(ctx: Context, viewer: Viewer) -> bool:
    return viewer.role == "admin" or ctx.settings.upstreams.bypass_model_access_control


async def readable_ids(ctx: Context, viewer: Viewer, rows: Sequence[ModelRow]) -> set[str]:
    """Which of these rows the viewer may use (owner, or a read grant)."""
    owned = {r.id for r in rows if r.user_id == viewer.id}
    others = [r.id for r in rows if r.id not in owned]
    if not others:
        return owned
    groups = (await GroupRepo(ctx.session).ids_for_users([viewer.id])).get(viewer.id, [])
    granted = await AccessGrantRepo(ctx.session).granted(
        "model", user_id=viewer.id, group_ids=groups, permission="read", resource_ids=others)
    return owned | granted


def is_filter_pipeline(entry: ModelEntry) -> bool:
    """A Pipelines server's filter (`pipeline.type` "filter"): it edits other models'
    requests (resolvers/pipelines/filters.py) and is no model to pick."""
    pipeline = entry.info.get("pipeline") if isinstance(entry.info, Mapping) else None
    return isinstance(pipeline, Mapping) and pipeline.get("type") == "filter"


async def list_models(ctx: Context, *, refresh: bool = False, kind: str | None = None,
                      presets: bool = True, grants: bool = True) -> list[AvailableModel]:
    """Verified users: the models they may use, OpenAI's then Ollama's, then presets.
    A connection that is down drops out of the list; `refresh` asks every upstream now.
    Without `grants` the models carry none (a caller that loads them per page)."""
    viewer = await require_verified(ctx)
    conns = await connections(ctx)
    if kind is not None:
        require_kind(conns, kind)
    found = await catalog(ctx, refresh=refresh, conns=conns)
    entries = found.of_kind(kind) if kind else found.merged()
    rows = {row.id: row for row in await ModelRepo(ctx.session).all()}
    models: list[AvailableModel] = []
    for entry in entries.values():
        if is_filter_pipeline(entry):
            continue
        row = rows.get(entry.id)
        if row is not None and row.base_model_id is None:
            if not row.is_active:
                continue
            models.append(AvailableModel(entry.id, row.name or entry.name, entry, row))
        else:
            models.append(AvailableModel(entry.id, entry.name, entry))
    if presets:
        for row in rows.values():
            base = entries.get(row.base_model_id) if row.base_model_id else None
            if base is not None and row.is_active:
                models.append(AvailableModel(row.id, row.name, base, row))
    if kind is None:  # active pipe functions are models too (resolvers/functions)
        models += [AvailableModel(p.id, p.name, p.entry()) for p in await pipe_models(ctx)]
    if not _sees_everything(ctx, viewer):
        with_rows = [m.row for m in models if m.row is not None]
        allowed = await readable_ids(ctx, viewer, with_rows)
        models = [m for m in models if m.row is not None and m.id in allowed]
    if not grants:
        return models
    found = await AccessGrantRepo(ctx.session).for_resources(
        "model", [m.id for m in models if m.row is not None])
    return [AvailableModel(m.id, m.name, m.entry, m.row, tuple(found.get(m.id, ())))
            if m.row is not None else m for m in models]


async def get_model(ctx: Context, model_id: str) -> AvailableModel:
    """One model the caller may use, by id; NOT_FOUND for unknown and forbidden alike."""
    for model in await list_models(ctx):
        if model.id == model_id:
            return model
    raise NotFound(f"Model '{model_id}' was not found.", reason="model_not_found")


async def check_model_access(ctx: Context, viewer: Viewer, model_id: str) -> ModelRow | None:
    """The model's row when the viewer may use the model; Forbidden otherwise. The rule
    holds along a preset's chain of base models that have rows of their own. Read from
    committed data without a unit of work: every proxied request of a user asks this."""
    reader = ModelAccessReader(ctx.services.reader)
    found = await reader.get(model_id, viewer.id)
    row = found.row if found is not None else None
    if _sees_everything(ctx, viewer):
        return row
    seen: set[str] = set()
    current = found
    while True:
        if (current is None and not seen) or (current is not None and
                                              not current.row.is_active):
            raise Forbidden("Model not found", reason="model_access_denied")
        if current is None:
            return row
        if current.row.user_id != viewer.id and not current.granted:
            raise Forbidden("Model not found", reason="model_access_denied")
        seen.add(current.row.id)
        base = current.row.base_model_id
        if not base or base in seen:
            return row
        current = await reader.get(base, viewer.id)


def require_kind(conns: Connections, kind: str) -> None:
    enabled = conns.ollama_enabled if kind == OLLAMA else conns.openai_enabled
    if not enabled:
        raise Unavailable(f"The {KIND_NAMES[kind]} API is switched off on this server.",
                          reason=f"{kind}_disabled")


async def route_model(ctx: Context, viewer: Viewer, model_id: str, *, kind: str | None,
                      url_idx: int | None = None, conns: Connections | None = None) -> Route:
    """Check access to `model_id` and pick the connection for it: `url_idx` when given
    (administrators: any connection; others: one that serves the model), else one of
    the connections serving it, at random, so load spreads over them. On Ollama's routes
    a name without a tag means its `:latest`, as Ollama reads it."""
    conns = conns or await connections(ctx)
    if kind is not None:
        require_kind(conns, kind)
    found = await ctx.services.llm.catalog(conns, max_age=math.inf)
    if kind == OLLAMA:
        model_id = ollama_name(found, model_id)
    entry = _lookup(found, model_id, kind)
    row: ModelRow | None = None
    if entry is None or viewer.role != "admin":
        row = await check_model_access(ctx, viewer, model_id)
    preset = row if row is not None and row.base_model_id else None
    target = preset.base_model_id if preset is not None else model_id
    entry = _lookup(found, target, kind)
    if entry is None:  # maybe new upstream-side: ask the upstreams once more
        found = await catalog(ctx, refresh=True, conns=conns)
        if kind == OLLAMA and preset is None and (named := ollama_name(found, target)) != target:
            return await route_model(ctx, viewer, named, kind=kind, url_idx=url_idx, conns=conns)
        entry = _lookup(found, target, kind)
    if url_idx is not None:
        return _explicit(conns, viewer, kind or (entry.kind if entry else OLLAMA), url_idx,
                         model_id, target, entry, preset)
    if entry is None:
        raise NotFound(f"Model '{model_id}' was not found", reason="model_not_found")
    serving = [c for c in (conns.get(entry.kind, i) for i in entry.urls)
               if c is not None and c.enabled]
    if not serving:
        raise NotFound(f"Model '{model_id}' was not found", reason="model_not_found")
    connection = random.choice(serving)
    return Route(connection, model_id, connection.upstream_id(target), entry, preset)


def ollama_name(found: Catalog, model_id: str) -> str:
    """The model Ollama itself would run for this name: one without a tag means its
    `:latest` (a tag follows the last `:` of the name's last path segment; the host part
    of `host:port/model` is no tag)."""
    if model_id in found.ollama or ":" in model_id.rsplit("/", 1)[-1]:
        return model_id
    latest = f"{model_id}:latest"
    return latest if latest in found.ollama else model_id


def _lookup(found: Catalog, model_id: str, kind: str | None) -> ModelEntry | None:
    return found.of_kind(kind).get(model_id) if kind else found.find(model_id)


def _explicit(conns: Connections, viewer: Viewer, kind: str, url_idx: int, model_id: str,
              target: str, entry: ModelEntry | None, preset: ModelRow | None) -> Route:
    connection = conns.get(kind, url_idx)
    if connection is None:
        raise NotFound(f"There is no {KIND_NAMES[kind]} connection {url_idx}.",
                       reason="connection_not_found")
    if viewer.role != "admin" and (entry is None or url_idx not in entry.urls):
        raise Forbidden("Model not found", reason="model_access_denied")
    return Route(connection, model_id, connection.upstream_id(target), entry, preset)
