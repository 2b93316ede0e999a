"""The `json_schema` scorer's checks, through the `jsonschema` package: the schema's own
`$schema` picks the draft (2020-12 when it names none), so every keyword means what the
specification says.

    check_schema({"type": "object", "required": ["name"]})   # raises InvalidSchema
    problems({"age": 3}, {"type": "object", "required": ["name"]})
    # ["$: 'name' is a required property"]
"""

from __future__ import annotations

from typing import Any


class InvalidSchema(ValueError):
    """The schema itself breaks its draft's metaschema."""


def _validator(schema: Any) -> Any:
    from jsonschema.validators import Draft202012Validator, validator_for

    return validator_for(schema, default=Draft202012Validator)


def check_schema(schema: Any) -> None:
    from jsonschema.exceptions import SchemaError

    try:
        _validator(schema).check_schema(schema)
    except SchemaError as error:
        raise InvalidSchema(error.message) from None


def _where(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def problems(value: Any, schema: Any) -> list[str]:
    """Every way `value` breaks `schema`, each naming where, in document order."""
    validator = _validator(schema)(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_where(error.absolute_path)}: {error.message}" for error in errors]
