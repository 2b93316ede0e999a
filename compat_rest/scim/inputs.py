"""Incoming SCIM JSON, checked against the schemas and brought to one canonical form:
attribute names in their schema's spelling, extension attributes under their URN,
unassigned values (null, [], {}) left out, read-only attributes ignored (RFC 7644
§3.5.1). Then the canonical form becomes the resolvers' inputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from compat_rest.scim.errors import invalid_syntax, invalid_value
from compat_rest.scim.schemas import Attribute, ResourceType, resolve
from resolvers.errors import Invalid
from resolvers.groups.groups import GroupInput
from resolvers.input_rules import decode_json
from resolvers.users.directory import DirectoryUserInput

_SIMPLE = {"string", "reference", "binary"}
# What a User keeps outside `attributes`: its named fields, and what the server owns.
_USER_FIELDS = {"userName", "externalId", "displayName", "active", "password", "id", "meta",
                "schemas", "groups"}


def read_json(raw: bytes) -> Any:
    """The body held to the input rules (resolvers/input_rules.py): bad JSON or JSON
    nested too deep is invalidSyntax, a NUL or an integer past 64 bits invalidValue."""
    if not raw.strip():
        raise invalid_syntax("The request needs a JSON body.")
    try:
        return decode_json(raw)
    except Invalid as error:
        if error.reason.startswith("json"):
            raise invalid_syntax(error.message) from None
        raise invalid_value(error.message) from None


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    # Entra ID sends booleans as the strings "True" and "False".
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_value(f"{where} must be true or false.")


def _simple(attr: Attribute, value: Any, where: str) -> Any:
    if attr.type in _SIMPLE:
        if not isinstance(value, str):
            raise invalid_value(f"{where} must be a string.")
        return value
    if attr.type == "boolean":
        return _boolean(value, where)
    if attr.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_value(f"{where} must be a whole number.")
        return value
    if attr.type == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid_value(f"{where} must be a number.")
        return value
    if attr.type == "dateTime":
        try:
            dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise invalid_value(f"{where} must be a date-time like "
                                "2024-05-01T12:00:00Z.") from None
        if not isinstance(value, str):
            raise invalid_value(f"{where} must be a date-time string.")
        return value
    raise invalid_value(f"{where} has an unknown type.")  # pragma: no cover


def _complex(attr: Attribute, value: Any, where: str) -> dict[str, Any] | None:
    if isinstance(value, str) and attr.child("value") is not None:
        value = {"value": value}  # Entra ID sends a manager as its bare id
    if not isinstance(value, Mapping):
        raise invalid_value(f"{where} must be an object.")
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub = attr.child(str(key))
        if sub is None:
            raise invalid_syntax(f"{where} has no sub-attribute '{key}'.")
        if sub.read_only:
            continue
        kept = _simple(sub, item, f"{where}.{sub.name}") if item is not None else None
        if kept is not None:
            out[sub.name] = kept
    missing = [sub.name for sub in attr.sub if sub.required and sub.name not in out]
    if missing:
        raise invalid_value(f"{where}.{missing[0]} is required.")
    return out or None


def single(attr: Attribute, value: Any, where: str | None = None) -> Any:
    """One value of `attr` (an element, for a multi-valued one), canonical; None when
    unassigned."""
    where = where or attr.name
    if value is None:
        return None
    if attr.type == "complex":
        return _complex(attr, value, where)
    return _simple(attr, value, where)


def value_of(attr: Attribute, value: Any, where: str | None = None) -> Any:
    """The whole value of `attr`, canonical; None when unassigned."""
    where = where or attr.name
    if not attr.multi:
        return single(attr, value, where)
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid_value(f"{where} must be an array.")
    items = [kept for item in value if (kept := single(attr, item, where)) is not None]
    check_primary(attr, items)
    return items or None


def check_primary(attr: Attribute, items: list[Any]) -> None:
    if sum(1 for item in items if isinstance(item, dict) and item.get("primary") is True) > 1:
        raise invalid_value(f"At most one of {attr.name} may be primary.")


def _schemas(body: Mapping[str, Any], rtype: ResourceType) -> None:
    declared = body.get("schemas")
    if not isinstance(declared, list) or not all(isinstance(s, str) for s in declared):
        raise invalid_syntax(f"'schemas' must list {rtype.schema.id}.")
    known = {rtype.schema.id.lower(), *(e.id.lower() for e in rtype.extensions)}
    unknown = [s for s in declared if s.lower() not in known]
    if unknown:
        raise invalid_syntax(f"Unknown schema {unknown[0]!r} for a {rtype.id}.")
    if rtype.schema.id.lower() not in {s.lower() for s in declared}:
        raise invalid_syntax(f"'schemas' must list {rtype.schema.id}.")


def resource(body: Any, rtype: ResourceType) -> dict[str, Any]:
    """A POSTed or PUT resource in canonical form (read-only attributes ignored)."""
    if not isinstance(body, Mapping):
        raise invalid_syntax(f"The body must be a {rtype.id} object.")
    _schemas(body, rtype)
    return canonical(body, rtype)


def canonical(body: Mapping[str, Any], rtype: ResourceType) -> dict[str, Any]:
    """`body`'s attributes checked once more as a whole (a patched resource, too)."""
    doc: dict[str, Any] = {}
    for key, value in body.items():
        if str(key).lower() in ("schemas", "id", "meta"):
            continue
        assign(doc, rtype, str(key), value, ignore_read_only=True)
    return doc


def assign(doc: dict[str, Any], rtype: ResourceType, key: str, value: Any, *,
           ignore_read_only: bool) -> None:
    """Set top-level `key` (an attribute, a URN-qualified attribute or an extension's URN)
    of `doc` to `value`, checked and canonical."""
    target = resolve(rtype, key)
    if target is None or target.sub is not None:
        raise invalid_syntax(f"A {rtype.id} has no attribute '{key}'.")
    if target.attr is None:  # a whole extension object
        if value is None:
            doc.pop(target.urn, None)
            return
        if not isinstance(value, Mapping):
            raise invalid_value(f"{target.urn} must be an object.")
        extension: dict[str, Any] = {}
        for name, item in value.items():
            if str(name).lower() == "schemas":  # some clients tag the object with its URN
                continue
            assign(extension, rtype, f"{target.urn}:{name}", item,
                   ignore_read_only=ignore_read_only)
        doc[target.urn] = {**doc.get(target.urn, {}), **extension.get(target.urn, {})}
        if not doc[target.urn]:
            del doc[target.urn]
        return
    attr = target.attr
    if attr.read_only and ignore_read_only:
        return
    kept = value_of(attr, value)
    holder = doc.setdefault(target.urn, {}) if target.urn else doc
    if kept is None:
        holder.pop(attr.name, None)
    else:
        holder[attr.name] = kept
    if target.urn and not doc[target.urn]:
        del doc[target.urn]


def user_input(doc: Mapping[str, Any], *, default_active: bool | None) -> DirectoryUserInput:
    """`default_active` stands in for an `active` the document leaves out: a POST or PUT
    gets the server's default (on, RFC 7644 §3.3 and §3.5.1 allow defaults), while a
    PATCH that removed it leaves it unassigned."""
    user_name = doc.get("userName")
    if not isinstance(user_name, str):
        raise invalid_value("userName is required.")
    return DirectoryUserInput(
        user_name=user_name, external_id=doc.get("externalId"),
        display_name=doc.get("displayName"), active=doc.get("active", default_active),
        password=doc.get("password"),
        attributes={k: v for k, v in doc.items() if k not in _USER_FIELDS})


def group_input(doc: Mapping[str, Any]) -> GroupInput:
    name = doc.get("displayName")
    if not isinstance(name, str):
        raise invalid_value("displayName is required.")
    member_ids = []
    for member in doc.get("members") or ():
        kind = member.get("type")
        ref = member.get("$ref") or ""
        if (kind is not None and kind.lower() != "user") or "/Groups/" in ref:
            raise invalid_value("Only users can be members of a group.")
        if not isinstance(member.get("value"), str):
            raise invalid_value("Each member needs a value: the user's id.")
        member_ids.append(member["value"])
    return GroupInput(display_name=name, external_id=doc.get("externalId"),
                      member_ids=tuple(member_ids))
