"""`/Groups`: list, filter, search, create, read, replace, patch and delete, over the
`group` and `group_member` rows Open WebUI reads."""

from __future__ import annotations

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
from compat_rest.scim.schemas import GROUPS
from compat_rest.scim.serializers import group_resource, list_response, project
from resolvers import groups
from resolvers.context import Context


async def page(request: Request, ctx: Context, query: ListQuery) -> dict:
    where = parse_filter(query.filter, GROUPS) if query.filter else None
    found = await groups.list_directory_groups(
        ctx, where=where, sort=sort_key(query, GROUPS), offset=query.offset,
        limit=query.count)
    base = base_url(request)
    return list_response([project(group_resource(group, base), GROUPS, query.attributes,
                                  query.excluded) for group in found.groups],
                         found.total, query.start_index)


@endpoint()
async def list_groups(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    return scim_response(await page(request, ctx, query_from_url(request)))


@endpoint()
async def search_groups(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    query = query_from_search(inputs.read_json(await request.body()))
    return scim_response(await page(request, ctx, query))


@endpoint()
async def get_group(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    found = await groups.get_directory_group(ctx, request.path_params["id"])
    doc = group_resource(found, base_url(request))
    return not_modified(request, doc) or resource_response(doc, GROUPS,
                                                           query_from_url(request))


@endpoint(write=True)
async def create_group(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    doc = inputs.resource(inputs.read_json(await request.body()), GROUPS)
    found = await groups.create_directory_group(ctx, inputs.group_input(doc))
    return resource_response(group_resource(found, base_url(request)), GROUPS,
                             query_from_url(request), status=201)


@endpoint(write=True)
async def replace_group(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    doc = inputs.resource(inputs.read_json(await request.body()), GROUPS)
    group_id = request.path_params["id"]
    current = await groups.get_directory_group(ctx, group_id, lock=True)
    check_precondition(request, group_resource(current, base_url(request)))
    found = await groups.replace_directory_group(ctx, group_id, inputs.group_input(doc))
    return resource_response(group_resource(found, base_url(request)), GROUPS,
                             query_from_url(request))


@endpoint(write=True)
async def patch_group(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    operations = patch.operations(inputs.read_json(await request.body()), GROUPS)
    group_id = request.path_params["id"]
    current = group_resource(await groups.get_directory_group(ctx, group_id, lock=True),
                             base_url(request))
    check_precondition(request, current)
    state = {k: v for k, v in current.items() if k not in ("schemas", "id", "meta")}
    data = inputs.group_input(inputs.canonical(patch.apply(state, operations, GROUPS), GROUPS))
    found = await groups.replace_directory_group(ctx, group_id, data)
    return resource_response(group_resource(found, base_url(request)), GROUPS,
                             query_from_url(request))


@endpoint(write=True)
async def delete_group(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    group_id = request.path_params["id"]
    if request.headers.get("if-match") is not None:
        current = await groups.get_directory_group(ctx, group_id, lock=True)
        check_precondition(request, group_resource(current, base_url(request)))
    await groups.delete_directory_group(ctx, group_id)
    return Response(status_code=204)
