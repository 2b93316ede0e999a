"""Open WebUI's admin proxy to external Pipelines servers (rest-core.md §13, rest-ai.md
§9). A Pipelines server is one of the OpenAI connections (`urlIdx` is its place in
`openai.api_base_urls`, its key the Bearer); nothing is stored here. An answer of the
server is relayed with its status (an error's `detail` kept); a server that cannot be
reached, or an index with no connection, is Open WebUI's 404 `Pipeline not found`."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from data.llm.base import OPENAI, Connection, UpstreamError
from resolvers.context import Context
from resolvers.errors import DomainError, Invalid
from resolvers.models.models import connections
from resolvers.permissions import require_admin

PIPELINE_NOT_FOUND = "Pipeline not found"
SLOW_SECONDS = 120.0  # adding or uploading: the server installs the pipeline's requirements


class ServerAnswered(DomainError):
    """The Pipelines server's own answer (or its absence), relayed as Open WebUI does."""

    code = "UPSTREAM_FAILED"

    def __init__(self, status: int, detail: Any = None):
        super().__init__(str(detail or PIPELINE_NOT_FOUND), reason="pipeline_server")
        self.status = status
        self.detail = detail or PIPELINE_NOT_FOUND


@dataclass(frozen=True)
class ServerListing:
    url: str
    idx: int


async def _server(ctx: Context, url_idx: Any) -> Connection:
    await require_admin(ctx)
    if isinstance(url_idx, bool) or not isinstance(url_idx, int):
        raise ServerAnswered(404)
    connection = (await connections(ctx)).get(OPENAI, url_idx)
    if connection is None:
        raise ServerAnswered(404)
    return connection


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


async def _call(ctx: Context, url_idx: Any, method: str, path: str, body: Any = None, *,
                raw: bytes | None = None, content_type: str | None = None,
                seconds: float | None = None) -> Any:
    connection = await _server(ctx, url_idx)
    payload = raw if raw is not None else (
        None if body is None else json.dumps(body).encode())
    try:
        status, answer = await ctx.services.llm.exchange(
            connection, method, path, payload, content_type=content_type, seconds=seconds)
    except UpstreamError:
        raise ServerAnswered(404) from None
    data = _decoded(answer)
    if status >= 400:
        detail = data.get("detail") if isinstance(data, dict) else None
        raise ServerAnswered(status, detail)
    if data is None:
        raise ServerAnswered(404)
    return data


async def list_servers(ctx: Context) -> list[ServerListing]:
    """Administrators: the OpenAI connections whose model list carries `pipelines`."""
    await require_admin(ctx)
    conns = (await connections(ctx)).of_kind(OPENAI)

    async def is_server(connection: Connection) -> bool:
        try:
            found = await ctx.services.llm.get_json(connection, "/models")
        except UpstreamError:
            return False
        return isinstance(found, dict) and "pipelines" in found
    answers = await asyncio.gather(*(is_server(c) for c in conns))
    return [ServerListing(c.base_url, c.idx) for c, yes in zip(conns, answers, strict=True)
            if yes]


def _segment(pipeline_id: str) -> str:
    return quote(pipeline_id, safe="")


async def list_server_pipelines(ctx: Context, url_idx: Any) -> Any:
    return await _call(ctx, url_idx, "GET", "/pipelines")


async def add_server_pipeline(ctx: Context, url_idx: Any, url: str) -> Any:
    return await _call(ctx, url_idx, "POST", "/pipelines/add", {"url": url},
                       seconds=SLOW_SECONDS)


async def delete_server_pipeline(ctx: Context, url_idx: Any, pipeline_id: str) -> Any:
    return await _call(ctx, url_idx, "DELETE", "/pipelines/delete", {"id": pipeline_id})


async def get_valves(ctx: Context, url_idx: Any, pipeline_id: str, *, spec: bool = False
                     ) -> Any:
    path = f"/{_segment(pipeline_id)}/valves" + ("/spec" if spec else "")
    return await _call(ctx, url_idx, "GET", path)


async def update_valves(ctx: Context, url_idx: Any, pipeline_id: str,
                        valves: dict[str, Any]) -> Any:
    return await _call(ctx, url_idx, "POST", f"/{_segment(pipeline_id)}/valves/update",
                       valves)


SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


async def upload_server_pipeline(ctx: Context, url_idx: Any, filename: str,
                                 content: bytes) -> Any:
    """A `.py` file (else 400, as Open WebUI), sent on as the server's multipart upload."""
    await require_admin(ctx)
    if not filename.endswith(".py"):
        raise Invalid("Only Python (.py) files are allowed.", reason="not_python")
    boundary = uuid.uuid4().hex
    name = SAFE_NAME.sub("_", filename.rsplit("/", 1)[-1])
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: text/x-python\r\n\r\n').encode() \
        + content + f"\r\n--{boundary}--\r\n".encode()
    return await _call(ctx, url_idx, "POST", "/pipelines/upload", raw=body,
                       content_type=f"multipart/form-data; boundary={boundary}",
                       seconds=SLOW_SECONDS)
