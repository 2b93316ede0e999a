"""Scalar conversions. Timestamps are stored as Unix seconds (Open WebUI's format) and
served as the DateTime scalar: ISO 8601 with a UTC offset. GraphQL's Int is 32-bit and
would overflow in 2038, and strings spare clients a unit guess."""

from __future__ import annotations

from datetime import UTC, datetime


def timestamp(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
