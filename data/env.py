"""Reading one environment variable as a typed value. Each settings module raises its own
error type (passed as `error`), so start-up names the variable in one line."""

from __future__ import annotations

from collections.abc import Mapping

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


def flag(env: Mapping[str, str], name: str, default: bool, error: type[Exception]) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise error(f"{name}={env[name]!r}: expected true or false")


def whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int,
                 error: type[Exception]) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise error(f"{name}={env[name]!r}: expected a whole number") from None
    if not low <= value <= high:
        raise error(f"{name}={env[name]!r}: expected a number from {low} to {high}")
    return value
