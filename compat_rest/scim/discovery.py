"""Discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`,
readable without a token; the root `/.search` across Users and Groups; and the answers
for what this server does not offer (`/Me`, `/Bulk`, unknown paths)."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from compat_rest.scim import groups, inputs, users
from compat_rest.scim.errors import ScimError, endpoint, error_response, scim_response
from compat_rest.scim.filter import UnknownAttribute, parse_filter
from compat_rest.scim.protocol import authorize, base_url, query_from_search, sort_key
from compat_rest.scim.resources import page
from compat_rest.scim.schemas import (
    RESOURCE_TYPES,
    SCHEMAS,
    SERVICE_PROVIDER_CONFIG,
    USERS,
    ResourceType,
    Schema,
    resource_type,
    schema,
)
from compat_rest.scim.serializers import list_response
from resolvers.context import Context
from resolvers.users.directory import MAX_RESULTS


def _no_filter(request: Request) -> None:
    # RFC 7644 §4: a filter here would look honoured while it is not.
    if "filter" in request.query_params:
        raise ScimError(403, "Discovery endpoints cannot be filtered.")


def service_provider_config_document(base: str) -> dict[str, Any]:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": True},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "Bearer token", "primary": True,
            "description": "The server's SCIM_TOKEN, sent as 'Authorization: Bearer "
                           "<token>'."}],
        "meta": {"resourceType": "ServiceProviderConfig",
                 "location": f"{base}/ServiceProviderConfig"},
    }


@endpoint()
async def service_provider_config(request: Request, ctx: Context) -> Response:
    _no_filter(request)
    return scim_response(service_provider_config_document(base_url(request)))


def _catalogue(request: Request, entries: tuple, path: str) -> Response:
    _no_filter(request)
    base = base_url(request)
    found = [entry.to_json(f"{base}/{path}/{entry.id}") for entry in entries]
    return scim_response(list_response(found, len(found), 1))


def _entry(request: Request, found: ResourceType | Schema | None, path: str, what: str
           ) -> Response:
    if found is None:
        raise ScimError(404, f"No {what} {request.path_params['id']!r}.")
    return scim_response(found.to_json(f"{base_url(request)}/{path}/{found.id}"))


@endpoint()
async def resource_types(request: Request, ctx: Context) -> Response:
    return _catalogue(request, RESOURCE_TYPES, "ResourceTypes")


@endpoint()
async def resource_type_by_id(request: Request, ctx: Context) -> Response:
    return _entry(request, resource_type(request.path_params["id"]), "ResourceTypes",
                  "resource type")


@endpoint()
async def schemas(request: Request, ctx: Context) -> Response:
    return _catalogue(request, SCHEMAS, "Schemas")


@endpoint()
async def schema_by_id(request: Request, ctx: Context) -> Response:
    return _entry(request, schema(request.path_params["id"]), "Schemas", "schema")


@endpoint()
async def search_all(request: Request, ctx: Context) -> Response:
    """POST /.search: Users, then Groups, paged as one list. A filter naming an attribute
    only one of them has selects from that one."""
    await authorize(ctx)
    query = query_from_search(inputs.read_json(await request.body()))
    plans = []
    for resource in (users.RESOURCE, groups.RESOURCE):
        rtype = resource.rtype
        try:
            parse_filter(query.filter, rtype) if query.filter else None
        except UnknownAttribute:
            continue
        try:
            sort_key(query, rtype)
        except ScimError:
            rtype_query = dataclasses.replace(query, sort_by=None)
        else:
            rtype_query = query
        plans.append((resource, rtype_query))
    if not plans:
        parse_filter(query.filter or "", USERS)  # raises the explanation
    resources: list[dict[str, Any]] = []
    total, offset, room = 0, query.offset, query.count
    for resource, rtype_query in plans:
        window = dataclasses.replace(rtype_query, start_index=offset + 1, count=room)
        found = await page(resource, request, ctx, window)
        total += found["totalResults"]
        resources += found["Resources"]
        offset, room = max(0, offset - found["totalResults"]), room - len(found["Resources"])
    return scim_response(list_response(resources, total, query.start_index))


async def not_implemented(request: Request) -> Response:
    return error_response(501, f"{request.url.path} is not supported by this server.")


async def not_found(request: Request) -> Response:
    return error_response(404, f"No SCIM endpoint at {request.url.path}.")
