"""The filter vocabulary that list resolvers accept (see data/filters.py), for surfaces
that build filters: SCIM parses its filter text into these nodes."""

from data.filters import (
    OPERATORS,
    And,
    Attr,
    Compare,
    Filter,
    HasValue,
    Literal,
    Not,
    Or,
    Present,
    SortKey,
)

__all__ = ["OPERATORS", "And", "Attr", "Compare", "Filter", "HasValue", "Literal", "Not",
           "Or", "Present", "SortKey"]
