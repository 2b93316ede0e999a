"""The request side of SCIM shared by every resource route: list and search parameters
(paging, sorting, projection), conditional requests on ETags, and resource responses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from compat_rest.scim.errors import ScimError, invalid_syntax, invalid_value, scim_response
from compat_rest.scim.schemas import SEARCH_REQUEST, ResourceType, resolve
from compat_rest.scim.serializers import project
from resolvers.errors import Invalid
from resolvers.filters import Attr, SortKey
from resolvers.input_rules import whole_number
from resolvers.permissions import require_scope
from resolvers.users.directory import MAX_RESULTS

SCOPE = "scim"


async def authorize(ctx) -> None:
    """Resource routes answer the provisioning client only (before reading any body)."""
    await require_scope(ctx, SCOPE)


def base_url(request: Request) -> str:
    """The absolute URL of the SCIM root this request came in under (either mount)."""
    app_root = request.scope.get("app_root_path", "")
    mount = request.scope.get("root_path", "")[len(app_root):]
    return str(request.base_url).rstrip("/") + mount


@dataclass(frozen=True)
class ListQuery:
    filter: str | None = None
    start_index: int = 1
    count: int = MAX_RESULTS
    sort_by: str | None = None
    descending: bool = False
    attributes: list[str] | None = None
    excluded: list[str] | None = None

    @property
    def offset(self) -> int:
        return self.start_index - 1


def _integer(raw: Any, name: str) -> int | None:
    """A whole number within 64 bits (the input rules' integer parser), from the URL or
    a SearchRequest alike; in range, the RFC's clamping applies (`_query`)."""
    if raw is None or raw == "":
        return None
    try:
        return whole_number(raw, name)
    except Invalid as error:
        raise invalid_value(error.message) from None


def _names(raw: Any, name: str) -> list[str] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, list) and all(isinstance(part, str) for part in raw):
        return [part.strip() for part in raw if part.strip()]
    raise invalid_value(f"{name} must list attribute names.")


def _query(values: Mapping[str, Any]) -> ListQuery:
    """startIndex below 1 counts from 1; a negative count is 0 and a count above the
    advertised maximum is that maximum (RFC 7644 §3.4.2.4)."""
    start = _integer(values.get("startIndex"), "startIndex")
    count = _integer(values.get("count"), "count")
    order = values.get("sortOrder")
    if order is not None and (not isinstance(order, str) or order.lower() not in (
            "ascending", "descending")):
        raise invalid_value("sortOrder must be ascending or descending.")
    text = values.get("filter")
    if text is not None and not isinstance(text, str):
        raise invalid_value("filter must be a string.")
    sort_by = values.get("sortBy")
    if sort_by is not None and not isinstance(sort_by, str):
        raise invalid_value("sortBy must be an attribute name.")
    return ListQuery(
        filter=text or None, start_index=max(1, start if start is not None else 1),
        count=max(0, min(MAX_RESULTS, count if count is not None else MAX_RESULTS)),
        sort_by=sort_by or None, descending=bool(order and order.lower() == "descending"),
        attributes=_names(values.get("attributes"), "attributes"),
        excluded=_names(values.get("excludedAttributes"), "excludedAttributes"))


def query_from_url(request: Request) -> ListQuery:
    return _query(request.query_params)


def query_from_search(body: Any) -> ListQuery:
    """A SearchRequest body (POST …/.search)."""
    if not isinstance(body, Mapping):
        raise invalid_syntax("The body must be a SearchRequest object.")
    schemas = body.get("schemas")
    if schemas is not None and SEARCH_REQUEST.lower() not in {
            str(s).lower() for s in schemas or ()}:
        raise invalid_syntax(f"'schemas' must list {SEARCH_REQUEST}.")
    return _query({k: v for k, v in body.items() if k != "schemas"})


def sort_key(query: ListQuery, rtype: ResourceType) -> SortKey | None:
    """The sort order asked for; multi-valued attributes sort by their primary value,
    which this server keeps in a column for e-mails only."""
    if query.sort_by is None:
        return None
    target = resolve(rtype, query.sort_by)
    if target is None or target.attr is None:
        raise invalid_value(f"A {rtype.id} has no attribute '{query.sort_by}' to sort by.")
    attr, sub = target.attr, target.sub
    if attr.multi and not (attr.name == "emails" and sub in (None, attr.child("value"))):
        raise invalid_value(f"Cannot sort by '{query.sort_by}': sort by a single-valued "
                            "attribute or by emails.")
    if attr.multi:
        return SortKey(Attr("emails"), query.descending)
    leaf = sub or attr
    if leaf.type == "complex" or leaf.returned == "never":
        raise invalid_value(f"Cannot sort by '{query.sort_by}'.")
    return SortKey(Attr(attr.name, sub=sub.name if sub else None, extension=target.urn,
                        type=leaf.type, case_exact=leaf.case_exact), query.descending)


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def check_precondition(request: Request, current: Mapping[str, Any]) -> None:
    """If-Match (RFC 7232, weak comparison as RFC 7644 §3.14 allows): a write to a
    resource that changed since the client read it fails with 412."""
    header = request.headers.get("if-match")
    if header is None:
        return
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    version = current["meta"]["version"]
    if "*" in tags or any(_opaque(tag) == _opaque(version) for tag in tags):
        return
    raise ScimError(412, f"The resource has changed: its version is now {version}.")


def not_modified(request: Request, current: Mapping[str, Any]) -> Response | None:
    header = request.headers.get("if-none-match")
    if header is None:
        return None
    version = current["meta"]["version"]
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags or any(_opaque(tag) == _opaque(version) for tag in tags):
        return Response(status_code=304, headers={"ETag": version})
    return None


def resource_response(doc: dict[str, Any], rtype: ResourceType, query: ListQuery,
                      status: int = 200) -> Response:
    meta = doc["meta"]
    headers = {"ETag": meta["version"], "Location": meta["location"]}
    return scim_response(project(doc, rtype, query.attributes, query.excluded), status,
                         headers)
