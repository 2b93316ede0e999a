"""PATCH (RFC 7644 §3.5.2) applied to a resource's canonical JSON.

`add`, `replace` and `remove`, in any letter case, with or without `path`; value
filters in paths (`emails[type eq "work"].value`); sub-attributes; extension URNs.
Interoperability forms: Entra ID's string booleans (handled by inputs), a `remove` of
`members` naming the values to drop, and an `add`/`replace` through a value filter that
matches nothing creating the value the filter describes. The operations work on a copy;
the caller stores the result only if every one of them succeeded, so a request is all or
nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compat_rest.scim import inputs
from compat_rest.scim.errors import invalid_path, invalid_syntax, invalid_value, mutability
from compat_rest.scim.errors import no_target as no_target_error
from compat_rest.scim.filter import PatchPath, parse_path
from compat_rest.scim.schemas import PATCH_OP, Attribute, ResourceType, resolve
from resolvers.filters import And, Compare, Filter, Not, Or, Present

OPS = ("add", "replace", "remove")


@dataclass(frozen=True)
class Operation:
    op: str
    path: PatchPath | None
    value: Any


def _key(body: Mapping[str, Any], name: str) -> Any:
    return next((v for k, v in body.items() if str(k).lower() == name.lower()), None)


def operations(body: Any, rtype: ResourceType) -> list[Operation]:
    """The PatchOp request's operations, checked (paths resolved) before anything runs."""
    if not isinstance(body, Mapping):
        raise invalid_syntax("The body must be a PatchOp object.")
    schemas = _key(body, "schemas")
    if not isinstance(schemas, list) or PATCH_OP.lower() not in {
            str(s).lower() for s in schemas}:
        raise invalid_syntax(f"'schemas' must list {PATCH_OP}.")
    raw = _key(body, "Operations")
    if not isinstance(raw, list) or not raw:
        raise invalid_syntax("'Operations' must list at least one operation.")
    found = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise invalid_syntax("Each operation must be an object.")
        op = _key(item, "op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise invalid_syntax(f"'op' must be add, replace or remove, not {op!r}.")
        path = _key(item, "path")
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise invalid_path("'path' must be an attribute path.")
        found.append(Operation(op.lower(), parse_path(path.strip(), rtype) if path else None,
                               _key(item, "value")))
    return found


def apply(doc: dict[str, Any], ops: list[Operation], rtype: ResourceType) -> dict[str, Any]:
    """A patched copy of `doc`; `doc` itself is left as it was."""
    result = copy.deepcopy(doc)
    for operation in ops:
        if operation.path is None:
            _apply_whole(result, operation, rtype)
        else:
            _apply_at(result, operation.op, operation.path, operation.value, rtype)
    return result


def _apply_whole(doc: dict[str, Any], operation: Operation, rtype: ResourceType) -> None:
    """A path-less add or replace: `value` holds attributes (read-only ones are ignored,
    as a PUT ignores them, so a client may send back what it read)."""
    if operation.op == "remove":
        raise no_target_error("A remove operation needs a path.")
    if not isinstance(operation.value, Mapping) or not operation.value:
        raise invalid_value("Without a path, the value must be an object of attributes.")
    for key, item in operation.value.items():
        if str(key).lower() == "schemas":
            continue
        target = resolve(rtype, str(key))
        if target is None or target.sub is not None:
            raise invalid_path(f"A {rtype.id} has no attribute '{key}'.")
        if target.attr is not None and target.attr.read_only:
            continue
        _apply_at(doc, operation.op, PatchPath(target), item, rtype)


def _apply_at(doc: dict[str, Any], op: str, path: PatchPath, value: Any,
              rtype: ResourceType) -> None:
    target = path.target
    if target.attr is None:  # an extension's URN: its attributes, one by one
        if op == "remove":
            doc.pop(target.urn, None)
            return
        if not isinstance(value, Mapping):
            raise invalid_value(f"{target.urn} takes an object of its attributes.")
        for name, item in value.items():
            if str(name).lower() == "schemas":  # some clients tag the object with its URN
                continue
            inner = resolve(rtype, f"{target.urn}:{name}")
            if inner is None or inner.sub is not None:
                raise invalid_path(f"{target.urn} has no attribute '{name}'.")
            if not inner.attr.read_only:
                _apply_at(doc, op, PatchPath(inner), item, rtype)
        return
    attr, sub = target.attr, path.sub
    if attr.read_only or (sub is not None and sub.read_only):
        raise mutability(f"'{attr.name}{'.' + sub.name if sub else ''}' is read-only.")
    holder = doc.setdefault(target.urn, {}) if target.urn else doc
    if op == "remove":
        _remove(holder, attr, path, value)
    elif value is None and op == "replace":
        _remove(holder, attr, path, None)
    elif value is None:
        raise invalid_value("An add operation needs a value.")
    elif not attr.multi:
        _set_single(holder, attr, sub, value)
    elif path.where is None and sub is None:
        _set_values(holder, attr, op, value)
    else:
        _set_matching(holder, attr, path, op, value)
    if target.urn and not doc[target.urn]:
        del doc[target.urn]


def _set_single(holder: dict[str, Any], attr: Attribute, sub: Attribute | None,
                value: Any) -> None:
    current = holder.get(attr.name)
    if sub is not None:
        merged = dict(current or {})
        kept = inputs.single(sub, value, f"{attr.name}.{sub.name}")
        merged.pop(sub.name, None) if kept is None else merged.__setitem__(sub.name, kept)
        new = merged or None
    else:
        new = inputs.value_of(attr, value)
        if attr.type == "complex" and isinstance(current, dict) and new is not None:
            new = {**current, **new}  # sub-attributes not given are left as they were
    if attr.mutability == "immutable" and current is not None and new != current:
        raise mutability(f"'{attr.name}' cannot change once set.")
    if new is None:
        holder.pop(attr.name, None)
    else:
        holder[attr.name] = new


def _set_values(holder: dict[str, Any], attr: Attribute, op: str, value: Any) -> None:
    given = inputs.value_of(attr, value if isinstance(value, list) else [value]) or []
    current = list(holder.get(attr.name) or [])
    if op == "replace":
        new = given
    else:  # add appends, and a value already there is not added twice
        new = current + [item for item in given if item not in current]
    _one_primary(new, [item for item in given if isinstance(item, dict)])
    _store(holder, attr, new)


def _set_matching(holder: dict[str, Any], attr: Attribute, path: PatchPath, op: str,
                  value: Any) -> None:
    elements = [dict(e) for e in holder.get(attr.name) or []]
    chosen = [i for i, e in enumerate(elements) if path.where is None or matches(path.where, e)]
    if not chosen:
        seed = _seed(path.where) if path.where is not None else {}
        if seed is None:
            raise no_target_error(f"No value of '{attr.name}' matches the path's filter.")
        elements.append(seed)
        chosen = [len(elements) - 1]
    for index in chosen:
        if path.sub is not None:
            sub = path.sub
            kept = inputs.single(sub, value, f"{attr.name}.{sub.name}")
            old = elements[index].get(sub.name)
            if sub.mutability == "immutable" and old is not None and kept != old:
                raise mutability(f"'{attr.name}.{sub.name}' cannot change once set.")
            if kept is None:
                elements[index].pop(sub.name, None)
            else:
                elements[index][sub.name] = kept
        else:
            new = inputs.single(attr, value) or {}
            elements[index] = {**elements[index], **new} if op == "add" else new
    inputs.check_primary(attr, [elements[i] for i in chosen])
    _one_primary(elements, [elements[i] for i in chosen])
    _store(holder, attr, [e for e in elements if e])


def _remove(holder: dict[str, Any], attr: Attribute, path: PatchPath, value: Any) -> None:
    current = holder.get(attr.name)
    if current is None:
        return
    if not attr.multi:
        if path.sub is not None and isinstance(current, dict):
            remaining = {k: v for k, v in current.items() if k != path.sub.name}
            _store(holder, attr, remaining)
        else:
            holder.pop(attr.name)
        return
    if path.where is None and path.sub is None:
        if value is None:
            holder.pop(attr.name)
            return
        # Entra ID removes members by naming them: {"path": "members", "value": [...]}
        doomed = inputs.value_of(attr, value if isinstance(value, list) else [value]) or []
        names = {d.get("value") for d in doomed if isinstance(d, dict) and "value" in d}
        _store(holder, attr, [e for e in current if e not in doomed and (
            not isinstance(e, dict) or e.get("value") not in names)])
        return
    kept = []
    for element in current:
        if path.where is not None and not matches(path.where, element):
            kept.append(element)
        elif path.sub is not None:
            kept.append({k: v for k, v in element.items() if k != path.sub.name})
    _store(holder, attr, [e for e in kept if e])


def _store(holder: dict[str, Any], attr: Attribute, value: Any) -> None:
    if value in (None, [], {}):
        holder.pop(attr.name, None)
    else:
        holder[attr.name] = value


def _one_primary(elements: list[Any], changed: list[dict]) -> None:
    """A value made primary takes `primary` from the others (RFC 7643 §2.4)."""
    if not any(e.get("primary") is True for e in changed):
        return
    winner = next(e for e in reversed(changed) if e.get("primary") is True)
    for element in elements:
        if element is not winner and element != winner and isinstance(element, dict) \
                and element.get("primary") is True:
            element["primary"] = False


def _seed(where: Filter) -> dict[str, Any] | None:
    """The value a filter of equalities describes (`type eq "work"` -> {"type": "work"}),
    or None when the filter is anything else."""
    terms = where.terms if isinstance(where, And) else (where,)
    seed: dict[str, Any] = {}
    for term in terms:
        if not isinstance(term, Compare) or term.op != "eq" or term.attr.sub is not None:
            return None
        seed[term.attr.name] = term.value
    return seed


def matches(where: Filter, element: Any) -> bool:
    """Whether one value of a multi-valued attribute satisfies a value filter."""
    if isinstance(where, And):
        return all(matches(term, element) for term in where.terms)
    if isinstance(where, Or):
        return any(matches(term, element) for term in where.terms)
    if isinstance(where, Not):
        return not matches(where.term, element)
    value = element.get(where.attr.name) if isinstance(element, dict) else None
    if isinstance(where, Present):
        return value not in (None, "", [], {})
    if isinstance(where, Compare):
        return _compare(value, where)
    return False


def _compare(value: Any, where: Compare) -> bool:
    wanted, op = where.value, where.op
    if value is None:
        return op == "ne"
    if where.attr.type == "dateTime":
        try:
            value = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return op == "ne"
    if isinstance(value, str) and isinstance(wanted, str) and not where.attr.case_exact:
        value, wanted = value.lower(), wanted.lower()
    if op in ("eq", "ne"):
        return (value == wanted) == (op == "eq")
    if op in ("co", "sw", "ew"):
        if not isinstance(value, str):
            return False
        return {"co": wanted in value, "sw": value.startswith(wanted),
                "ew": value.endswith(wanted)}[op]
    try:
        return {"gt": value > wanted, "ge": value >= wanted, "lt": value < wanted,
                "le": value <= wanted}[op]
    except TypeError:
        return False
