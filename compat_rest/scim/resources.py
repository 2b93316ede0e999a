"""The request flow every SCIM resource type shares (list, search, read, create, replace,
patch, delete): the provisioning token, the body, paging, If-Match and If-None-Match, and
the ETag and Location of what was written. `users.py` and `groups.py` declare only what
differs, as a `Resource`."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from compat_rest.scim import inputs, patch
from compat_rest.scim.errors import endpoint, scim_response
from compat_rest.scim.filter import parse_filter
from compat_rest.scim.protocol import (
    ListQuery,
    authorize,
    base_url,
    check_precondition,
    not_modified,
    query_from_search,
    query_from_url,
    resource_response,
    sort_key,
)
from compat_rest.scim.schemas import ResourceType
from compat_rest.scim.serializers import list_response, project
from resolvers.context import Context

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Resource:
    """One resource type over its resolvers. `to_input` turns a SCIM document into the
    resolvers' input; for a PATCH it also gets the operations that made the document."""

    rtype: ResourceType
    render: Callable[[Any, str], dict[str, Any]]  # (found, SCIM root URL) -> resource
    find: Callable[..., Awaitable[tuple[Sequence[Any], int]]]  # -> (page, total)
    get: Callable[..., Awaitable[Any]]  # (ctx, id, lock=...)
    to_input: Callable[[Mapping[str, Any], list[patch.Operation] | None], Any]
    create: Callable[[Context, Any], Awaitable[Any]]
    replace: Callable[[Context, str, Any], Awaitable[Any]]
    delete: Callable[[Context, str], Awaitable[Any]]


async def page(res: Resource, request: Request, ctx: Context, query: ListQuery) -> dict:
    """One ListResponse page; `/.search` at the root pages across resource types with it."""
    where = parse_filter(query.filter, res.rtype) if query.filter else None
    found, total = await res.find(ctx, where=where, sort=sort_key(query, res.rtype),
                                  offset=query.offset, limit=query.count)
    base = base_url(request)
    return list_response([project(res.render(item, base), res.rtype, query.attributes,
                                  query.excluded) for item in found],
                         total, query.start_index)


def _written(res: Resource, request: Request, found: Any, status: int = 200) -> Response:
    return resource_response(res.render(found, base_url(request)), res.rtype,
                             query_from_url(request), status=status)


async def _locked(res: Resource, request: Request, ctx: Context, resource_id: str
                  ) -> dict[str, Any]:
    """The resource as it stands, locked for the write that If-Match allows."""
    current = res.render(await res.get(ctx, resource_id, lock=True), base_url(request))
    check_precondition(request, current)
    return current


async def list_resources(res: Resource, request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    return scim_response(await page(res, request, ctx, query_from_url(request)))


async def search_resources(res: Resource, request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    query = query_from_search(inputs.read_json(await request.body()))
    return scim_response(await page(res, request, ctx, query))


async def get_resource(res: Resource, request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    doc = res.render(await res.get(ctx, request.path_params["id"]), base_url(request))
    return not_modified(request, doc) or resource_response(doc, res.rtype,
                                                           query_from_url(request))


async def create_resource(res: Resource, request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    doc = inputs.resource(inputs.read_json(await request.body()), res.rtype)
    found = await res.create(ctx, res.to_input(doc, None))
    return _written(res, request, found, status=201)


async def replace_resource(res: Resource, request: Request, ctx: Context) -> Response:
    """PUT replaces: attributes left out are cleared (a user's password, which is never
    returned, is kept unless given)."""
    await authorize(ctx)
    doc = inputs.resource(inputs.read_json(await request.body()), res.rtype)
    resource_id = request.path_params["id"]
    await _locked(res, request, ctx, resource_id)
    found = await res.replace(ctx, resource_id, res.to_input(doc, None))
    return _written(res, request, found)


async def patch_resource(res: Resource, request: Request, ctx: Context) -> Response:
    """PATCH applies the operations to the resource as it stands, then replaces it."""
    await authorize(ctx)
    operations = patch.operations(inputs.read_json(await request.body()), res.rtype)
    resource_id = request.path_params["id"]
    current = await _locked(res, request, ctx, resource_id)
    state = {k: v for k, v in current.items() if k not in ("schemas", "id", "meta")}
    patched = inputs.canonical(patch.apply(state, operations, res.rtype), res.rtype)
    found = await res.replace(ctx, resource_id, res.to_input(patched, operations))
    return _written(res, request, found)


async def delete_resource(res: Resource, request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    resource_id = request.path_params["id"]
    if request.headers.get("if-match") is not None:
        await _locked(res, request, ctx, resource_id)
    await res.delete(ctx, resource_id)
    return Response(status_code=204)


def endpoints(res: Resource) -> dict[str, dict[str, Endpoint]]:
    """Path below the resource's endpoint -> method -> handler, one unit of work each."""

    def bind(handler: Callable[..., Awaitable[Response]], write: bool = False) -> Endpoint:
        return endpoint(write=write)(functools.partial(handler, res))

    return {
        "": {"get": bind(list_resources), "post": bind(create_resource, write=True)},
        "/.search": {"post": bind(search_resources)},
        "/{id}": {"get": bind(get_resource), "put": bind(replace_resource, write=True),
                  "patch": bind(patch_resource, write=True),
                  "delete": bind(delete_resource, write=True)},
    }
