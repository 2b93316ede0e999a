"""Filter pipelines of external Pipelines servers around completions, as Open WebUI runs
them (rest-ai.md §9): a model a server lists with `pipeline: {type: "filter", pipelines:
[<model ids> or "*"], priority}` edits the request of each completion of those models
(`POST {base}/{filter_id}/filter/inlet`) and the finished answer (`.../filter/outlet`,
on `/api/chat/completed`), lowest priority first, with `{user, body}` and the
connection's key; filters on keyless connections are skipped, as Open WebUI skips them.
A filter's error answer stops the request with its status and detail; a server that
cannot be reached is passed over."""

from __future__ import annotations

import json
import logging
import math
from typing import Any
from urllib.parse import quote

from data.llm.base import OPENAI, Connection, UpstreamError
from data.llm.catalog import ModelEntry
from resolvers.context import Context
from resolvers.models.models import connections, is_filter_pipeline
from resolvers.permissions import require_verified
from resolvers.pipelines.servers import ServerAnswered

log = logging.getLogger("parley.pipelines")


def _priority(entry: ModelEntry) -> float:
    value = entry.info["pipeline"].get("priority", 0)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


async def filters_for(ctx: Context, model_id: Any) -> list[tuple[Connection, str]]:
    """The filters that apply to `model_id`: their connection and upstream id, in order."""
    if not isinstance(model_id, str):
        return []
    conns = await connections(ctx)
    if not conns.openai:
        return []
    found = await ctx.services.llm.catalog(conns, max_age=math.inf)
    chosen = []
    for entry in found.of_kind(OPENAI).values():
        targets = entry.info["pipeline"].get("pipelines") if is_filter_pipeline(entry) else None
        if not isinstance(targets, list) or ("*" not in targets and model_id not in targets):
            continue
        connection = conns.get(OPENAI, entry.urls[0]) if entry.urls else None
        if connection is not None and connection.key:
            chosen.append((_priority(entry), connection, connection.upstream_id(entry.id)))
    chosen.sort(key=lambda item: item[0])
    return [(connection, filter_id) for _, connection, filter_id in chosen]


async def apply_pipeline_filters(ctx: Context, body: dict[str, Any], hook: str
                                 ) -> dict[str, Any]:
    """`body` after every filter pipeline's `inlet` (or `outlet`) for its model."""
    chosen = await filters_for(ctx, body.get("model"))
    if not chosen:
        return body
    viewer = await require_verified(ctx)
    user = viewer.user
    caller = {"id": viewer.id, "email": getattr(user, "email", None),
              "name": getattr(user, "name", None), "role": viewer.role}
    for connection, filter_id in chosen:
        payload = json.dumps({"user": caller, "body": body}).encode()
        try:
            status, answer = await ctx.services.llm.exchange(
                connection, "POST", f"/{quote(filter_id, safe='')}/filter/{hook}", payload)
        except UpstreamError as error:
            log.warning("filter pipeline %s: %s", filter_id, error)
            continue
        try:
            data = json.loads(answer)
        except ValueError:
            data = None
        if status >= 400:
            raise ServerAnswered(status, data.get("detail") if isinstance(data, dict) else None)
        if isinstance(data, dict):
            body = data
    return body
