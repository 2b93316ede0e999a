"""Resources to SCIM JSON: Users and Groups with `meta` (resourceType, created,
lastModified, location, version), the ListResponse, and projection by `attributes` /
`excludedAttributes` honouring each attribute's `returned` characteristic."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from typing import Any

from compat_rest.scim.schemas import (
    CORE_GROUP,
    CORE_USER,
    ENTERPRISE_USER,
    GROUPS,
    LIST_RESPONSE,
    USERS,
    ResourceType,
    resolve,
)
from resolvers.groups.groups import DirectoryGroup
from resolvers.users.directory import DirectoryUser

USER_FIELDS = ("userName", "externalId", "name", "displayName", "nickName", "profileUrl",
               "title", "userType", "preferredLanguage", "locale", "timezone", "active")


def timestamp(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def version(doc: dict[str, Any]) -> str:
    """A weak ETag over the default representation: any change of what a client sees
    changes it, however quickly changes follow each other."""
    body = {key: value for key, value in doc.items() if key != "meta"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
    return f'W/"{digest.hexdigest()[:20]}"'


def _finish(doc: dict[str, Any], rtype: ResourceType, resource_id: str, created: int | None,
            modified: int | None, base: str) -> dict[str, Any]:
    meta = {"resourceType": rtype.id, "created": timestamp(created),
            "lastModified": timestamp(modified or created),
            "location": f"{base}{rtype.endpoint}/{resource_id}"}
    visible = project(doc, rtype, None, None)
    meta["version"] = version(visible)
    doc["meta"] = {key: value for key, value in meta.items() if value is not None}
    return doc


def user_resource(found: DirectoryUser, base: str) -> dict[str, Any]:
    """The whole User, readable by the projection; `meta.version` is its ETag."""
    user, attributes = found.user, copy.deepcopy(found.attributes)
    extension = attributes.pop(ENTERPRISE_USER, None)
    doc: dict[str, Any] = {"schemas": [CORE_USER], "id": user.id}
    values = {"userName": found.user_name, "externalId": found.external_id,
              "displayName": found.display_name, "active": found.active, **attributes}
    for key in (*USER_FIELDS, *sorted(set(attributes) - set(USER_FIELDS))):
        if values.get(key) is not None:
            doc[key] = values[key]
    if found.groups:
        doc["groups"] = [{"value": group_id, "$ref": f"{base}/Groups/{group_id}",
                          "display": name, "type": "direct"}
                         for group_id, name in found.groups]
    if extension:
        doc["schemas"].append(ENTERPRISE_USER)
        doc[ENTERPRISE_USER] = extension
    return _finish(doc, USERS, user.id, user.created_at, user.updated_at, base)


def group_resource(found: DirectoryGroup, base: str) -> dict[str, Any]:
    group = found.group
    doc: dict[str, Any] = {"schemas": [CORE_GROUP], "id": group.id}
    if found.external_id is not None:
        doc["externalId"] = found.external_id
    doc["displayName"] = group.name
    if found.members:
        doc["members"] = [{"value": user_id, "$ref": f"{base}/Users/{user_id}",
                           "type": "User", "display": name}
                          for user_id, name in found.members]
    return _finish(doc, GROUPS, group.id, group.created_at, group.updated_at, base)


def list_response(resources: list[dict[str, Any]], total: int, start_index: int
                  ) -> dict[str, Any]:
    return {"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start_index,
            "itemsPerPage": len(resources), "Resources": resources}


def _paths(rtype: ResourceType, names: list[str] | None) -> dict | None:
    """{(urn, attribute): None for the whole attribute, or a set of sub-attributes}."""
    if names is None:
        return None
    chosen: dict[tuple[str | None, str], set[str] | None] = {}
    for name in names:
        target = resolve(rtype, name)
        if target is None:
            continue  # an attribute this server does not have is simply not there
        if target.attr is None:  # a whole extension
            for attr in target.extension.attributes:
                chosen[(target.urn, attr.name)] = None
            continue
        key = (target.urn, target.attr.name)
        if target.sub is None:
            chosen[key] = None
        elif key not in chosen or chosen[key] is not None:
            chosen.setdefault(key, set()).add(target.sub.name)  # type: ignore[union-attr]
    return chosen


def _keep(value: Any, subs: set[str] | None, *, drop: bool) -> Any:
    """Keep (or, with drop, remove) the sub-attributes `subs` of a complex value."""
    if subs is None:
        return None if drop else value
    items = value if isinstance(value, list) else [value]
    kept = [{k: v for k, v in item.items() if (k in subs) != drop}
            for item in items if isinstance(item, dict)]
    kept = [item for item in kept if item]
    if isinstance(value, list):
        return kept or None
    return kept[0] if kept else None


def project(doc: dict[str, Any], rtype: ResourceType, attributes: list[str] | None,
            excluded: list[str] | None) -> dict[str, Any]:
    """The resource as a client asked for it (RFC 7644 §3.9). `id` and `schemas` always
    come back; attributes returned only on request (a group member's `display`) only when
    named in `attributes`."""
    wanted, unwanted = _paths(rtype, attributes), _paths(rtype, excluded) or {}
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in ("schemas", "id"):
            out[key] = value
        elif key.startswith("urn:") and isinstance(value, dict):
            inner = {}
            for name, item in value.items():
                kept = _project_one(rtype, key, name, item, wanted, unwanted)
                if kept is not None:
                    inner[name] = kept
            if inner:
                out[key] = inner
        else:
            kept = _project_one(rtype, None, key, value, wanted, unwanted)
            if kept is not None:
                out[key] = kept
    return out


def _project_one(rtype: ResourceType, urn: str | None, key: str, value: Any,
                 wanted: dict | None, unwanted: dict) -> Any:
    target = resolve(rtype, f"{urn}:{key}" if urn else key)
    attr = target.attr if target else None
    if attr is not None and attr.sub:
        hidden = {s.name for s in attr.sub if s.returned == "request"}
        hidden -= (wanted or {}).get((urn, key)) or set()
        if hidden:
            value = _keep(value, hidden, drop=True)
            if value is None:
                return None
    if wanted is not None:
        if (urn, key) not in wanted and not (attr and attr.returned == "always"):
            return None
        value = _keep(value, wanted[(urn, key)], drop=False) if (urn, key) in wanted else value
    if (urn, key) in unwanted and not (attr and attr.returned == "always"):
        value = _keep(value, unwanted[(urn, key)], drop=True)
    return value
