"""Attribute filters shaped like SCIM's filter grammar (RFC 7644 §3.4.2.2), as a small AST
that repositories compile to SQL.

The SCIM surface parses filter text into these nodes and resolves every name first: an
`Attr` carries the attribute's canonical spelling, its SCIM type and whether it compares
case-exactly, so the compilers never guess. Comparisons on multi-valued attributes always
arrive wrapped in `HasValue` ("some value of `emails` has type work"), which is also how
`emails.value eq "x"` is expressed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

OPERATORS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")

Literal = str | bool | int | float | dt.datetime


@dataclass(frozen=True)
class Attr:
    """An attribute (or a sub-attribute of a complex one), named canonically."""

    name: str
    sub: str | None = None
    extension: str | None = None  # the schema URN of an extension attribute
    type: str = "string"  # string boolean integer decimal dateTime reference binary complex
    case_exact: bool = False

    @property
    def dotted(self) -> str:
        return f"{self.name}.{self.sub}" if self.sub else self.name


@dataclass(frozen=True)
class Compare:
    attr: Attr
    op: str  # one of OPERATORS
    value: Literal


@dataclass(frozen=True)
class Present:
    attr: Attr


@dataclass(frozen=True)
class And:
    terms: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    terms: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    term: Filter


@dataclass(frozen=True)
class HasValue:
    """Some value of the multi-valued `attr` satisfies `where`, whose attributes name
    sub-attributes of `attr` (`name` is the sub-attribute, `sub` is None)."""

    attr: Attr
    where: Filter


Filter = Compare | Present | And | Or | Not | HasValue


@dataclass(frozen=True)
class SortKey:
    attr: Attr
    descending: bool = False


class UnsupportedFilter(ValueError):
    """A well-formed filter that this store cannot evaluate (e.g. on `meta.version`)."""
