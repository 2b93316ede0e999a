"""A small JSON Schema checker for the `json_schema` scorer: type, enum, const,
required, properties, additionalProperties, items, min/max items and length, minimum
and maximum. The `jsonschema` package is not among our dependencies; keywords outside
this list are ignored rather than guessed at."""

from __future__ import annotations

from typing import Any

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    wanted = _TYPES.get(kind)
    return wanted is not None and isinstance(value, wanted)


def problems(value: Any, schema: Any, path: str = "$") -> list[str]:
    """Every way `value` breaks `schema`, each naming where."""
    if schema is True or not isinstance(schema, dict):
        return []
    found: list[str] = []
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    if kinds and not any(_is(value, k) for k in kinds):
        return [f"{path} is not {' or '.join(kinds)}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{path} is not {schema['const']!r}")
    if isinstance(value, dict):
        found += _object(value, schema, path)
    if isinstance(value, list):
        found += _bounds(len(value), schema, "minItems", "maxItems", path, "items")
        for i, item in enumerate(value):
            found += problems(item, schema.get("items", True), f"{path}[{i}]")
    if isinstance(value, str):
        found += _bounds(len(value), schema, "minLength", "maxLength", path, "characters")
    if _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{path} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{path} is above {schema['maximum']}")
    return found


def _object(value: dict, schema: dict, path: str) -> list[str]:
    found = [f"{path}.{name} is missing" for name in schema.get("required", [])
             if name not in value]
    properties = schema.get("properties", {})
    for name, item in value.items():
        if name in properties:
            found += problems(item, properties[name], f"{path}.{name}")
        elif schema.get("additionalProperties") is False:
            found.append(f"{path}.{name} is not allowed")
        elif isinstance(schema.get("additionalProperties"), dict):
            found += problems(item, schema["additionalProperties"], f"{path}.{name}")
    return found


def _bounds(size: int, schema: dict, low: str, high: str, path: str, unit: str) -> list[str]:
    found = []
    if low in schema and size < schema[low]:
        found.append(f"{path} has fewer than {schema[low]} {unit}")
    if high in schema and size > schema[high]:
        found.append(f"{path} has more than {schema[high]} {unit}")
    return found
