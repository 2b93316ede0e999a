"""What every value a client sends must be, on every surface, checked where it enters:

- JSON no deeper than MAX_JSON_DEPTH (the parser's own limit, so no recursion runs out);
- whole numbers within 64 bits (every integer column is at most a BIGINT, and an offset
  past that makes the database driver fail rather than answer "no rows");
- text without NUL characters, which PostgreSQL refuses in text and JSON alike. SQLite
  would keep them, but both databases answer the same: the rule holds on both.

Each failure is an `Invalid` (400) with a reason the surfaces render in their dialect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pydantic_core

from resolvers.errors import Invalid

# pydantic-core's JSON parser (jiter) refuses deeper nesting: it counts levels as it
# goes, so a body of 100 000 `[` costs nothing to refuse. Real bodies nest about ten
# levels (a chat's message tree), tool JSON Schemas a few dozen; and at this depth the
# standard library's encoder and repr (a JSON column being written, a log line) stay
# far inside Python's recursion limit of 1000 frames.
MAX_JSON_DEPTH = 201
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_WHOLE = re.compile(r"[+-]?[0-9]{1,25}")  # longer runs are out of range anyway
# Within JSON text a NUL can only arrive as this escape (raw control characters are not
# JSON), and an integer past 64 bits needs 19 digits or more: bodies with neither (nearly
# all) skip the walk over every value. Digits are found by mapping every byte to "0" or
# " " and searching for 19 zeros: ten times faster than a regular expression's scan,
# which took twice the parse's time on a 14 MB chat.
_SCALARS = (bool, float, type(None))
_NUL_ESCAPE = b"\\u0000"
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_NUMBER = b"0" * 19


def decode_json(raw: bytes | str, *, check_values: bool = True) -> Any:
    """A JSON document, strictly (no NaN or Infinity); with `check_values`, also every
    string and integer in it held to `check_value`."""
    try:
        value = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as error:
        text = str(error)
        if "recursion limit" in text:
            raise Invalid(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.",
                          reason="json_too_deep") from None
        raise Invalid(f"The body is not valid JSON: {text}.", reason="json_invalid") from None
    if check_values:
        data = raw.encode() if isinstance(raw, str) else raw
        if _NUL_ESCAPE in data or _LONG_NUMBER in data.translate(_DIGITS_ONLY):
            check_value(value)
    return value


def nul_error(where: str) -> Invalid:
    return Invalid(f"{where} contains a NUL character (\\u0000), which cannot be stored.",
                   reason="nul_character", field=where)


def check_text(value: str, where: str) -> str:
    if "\x00" in value:
        raise nul_error(where)
    return value


def check_value(value: Any, where: str = "body") -> None:
    """Every string (keys too) without NUL and every integer within 64 bits, at any depth.
    Iterative, so no depth exhausts the stack; decoded JSON's exact types are told apart
    first (twice as fast as isinstance chains on a large chat); the path to a bad value
    is worked out only once one is found."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                _raise_at(value, where)
        elif kind is dict:
            extend(item)
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is int:
            if not INT64_MIN <= item <= INT64_MAX:
                _raise_at(value, where)
        elif kind in _SCALARS:
            pass
        elif isinstance(item, Mapping):
            extend(item)
            extend(item.values())
        elif isinstance(item, list | tuple):
            extend(item)
        elif (isinstance(item, str) and "\x00" in item) or (
                isinstance(item, int) and not INT64_MIN <= item <= INT64_MAX):
            _raise_at(value, where)


def _raise_at(value: Any, path: str) -> None:
    if isinstance(value, str):
        check_text(value, path)
    elif isinstance(value, int) and not isinstance(value, bool):
        _in_range(value, path)
    elif isinstance(value, Mapping):
        for key, child in value.items():
            check_text(key, f"{path}.{key!r}")
            _raise_at(child, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            _raise_at(child, f"{path}[{index}]")


def _in_range(number: int, where: str) -> int:
    if not INT64_MIN <= number <= INT64_MAX:
        raise Invalid(f"{where} is outside the 64-bit range.", reason="number_out_of_range",
                      field=where)
    return number


def whole_number(raw: str | int, where: str) -> int:
    """A query or body parameter as an integer within 64 bits: digits with an optional
    sign (or a JSON integer), nothing else."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise Invalid(f"{where} must be a whole number.", reason="not_a_whole_number",
                      field=where)
    if isinstance(raw, str):
        if not _WHOLE.fullmatch(raw.strip()):
            if re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
                raise Invalid(f"{where} is outside the 64-bit range.",
                              reason="number_out_of_range", field=where)
            raise Invalid(f"{where} must be a whole number.", reason="not_a_whole_number",
                          field=where)
        raw = int(raw)
    return _in_range(raw, where)
