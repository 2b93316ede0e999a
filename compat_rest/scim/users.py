"""`/Users`: list, filter, search, create, read, replace, patch and delete, over the
same resolvers and rows as every other surface."""

from __future__ import annotations

import dataclasses

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
from compat_rest.scim.schemas import USERS
from compat_rest.scim.serializers import list_response, project, user_resource
from resolvers import directory, users
from resolvers.context import Context


async def page(request: Request, ctx: Context, query: ListQuery) -> dict:
    where = parse_filter(query.filter, USERS) if query.filter else None
    found = await directory.list_directory_users(
        ctx, where=where, sort=sort_key(query, USERS), offset=query.offset,
        limit=query.count)
    base = base_url(request)
    return list_response([project(user_resource(user, base), USERS, query.attributes,
                                  query.excluded) for user in found.users],
                         found.total, query.start_index)


@endpoint()
async def list_users(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    return scim_response(await page(request, ctx, query_from_url(request)))


@endpoint()
async def search_users(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    query = query_from_search(inputs.read_json(await request.body()))
    return scim_response(await page(request, ctx, query))


@endpoint()
async def get_user(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    found = await directory.get_directory_user(ctx, request.path_params["id"])
    doc = user_resource(found, base_url(request))
    return not_modified(request, doc) or resource_response(doc, USERS, query_from_url(request))


@endpoint(write=True)
async def create_user(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    doc = inputs.resource(inputs.read_json(await request.body()), USERS)
    found = await directory.create_directory_user(
        ctx, inputs.user_input(doc, default_active=True))
    return resource_response(user_resource(found, base_url(request)), USERS,
                             query_from_url(request), status=201)


@endpoint(write=True)
async def replace_user(request: Request, ctx: Context) -> Response:
    """PUT replaces: attributes left out are cleared (the password, which is never
    returned, is kept unless given)."""
    await authorize(ctx)
    doc = inputs.resource(inputs.read_json(await request.body()), USERS)
    user_id = request.path_params["id"]
    current = await directory.get_directory_user(ctx, user_id, lock=True)
    check_precondition(request, user_resource(current, base_url(request)))
    found = await directory.replace_directory_user(
        ctx, user_id, inputs.user_input(doc, default_active=True))
    return resource_response(user_resource(found, base_url(request)), USERS,
                             query_from_url(request))


@endpoint(write=True)
async def patch_user(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    operations = patch.operations(inputs.read_json(await request.body()), USERS)
    user_id = request.path_params["id"]
    current = user_resource(await directory.get_directory_user(ctx, user_id, lock=True),
                            base_url(request))
    check_precondition(request, current)
    state = {k: v for k, v in current.items() if k not in ("schemas", "id", "meta")}
    patched = inputs.canonical(patch.apply(state, operations, USERS), USERS)
    data = inputs.user_input(patched, default_active=None)
    if any(op.op == "remove" and op.path and op.path.target.attr is not None
           and op.path.target.attr.name == "password" for op in operations):
        data = dataclasses.replace(data, remove_password=True)
    found = await directory.replace_directory_user(ctx, user_id, data)
    return resource_response(user_resource(found, base_url(request)), USERS,
                             query_from_url(request))


@endpoint(write=True)
async def delete_user(request: Request, ctx: Context) -> Response:
    await authorize(ctx)
    user_id = request.path_params["id"]
    if request.headers.get("if-match") is not None:
        current = await directory.get_directory_user(ctx, user_id, lock=True)
        check_precondition(request, user_resource(current, base_url(request)))
    await users.delete_user(ctx, user_id)
    return Response(status_code=204)
