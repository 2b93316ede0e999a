"""Compile a filter AST (data/filters.py) to one SQL condition, on SQLite and PostgreSQL.

A repository supplies a `Scope`: where each attribute of its resources lives, as a column,
a spot inside a JSON column, or a set of values (a JSON array, a join) that `HasValue`
searches with EXISTS. Every condition compiled here is two-valued: an unassigned attribute
makes a comparison false rather than NULL, so `not (title eq "x")` keeps the resources
that have no title, as SCIM means it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    FromClause,
    Text,
    and_,
    case,
    column,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from data.db import UNICODE_LOWER
from data.filters import (
    And,
    Attr,
    Compare,
    Filter,
    HasValue,
    Not,
    Or,
    Present,
    SortKey,
    UnsupportedFilter,
)

_ORDERING = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__"}


class JsonSql:
    """The JSON functions of one SQL dialect, behind one vocabulary."""

    def __init__(self, dialect: str):
        self.postgres = dialect == "postgresql"

    def _path(self, keys: Sequence[str]):
        if self.postgres:
            return literal(list(keys), ARRAY(Text))
        return "$" + "".join(f'."{key}"' for key in keys)

    def text(self, doc, keys: Sequence[str]) -> ColumnElement:
        """The value at `keys` as text (NULL when absent or JSON null)."""
        if self.postgres:
            return doc.op("#>>", return_type=Text)(self._path(keys))
        return func.json_extract(doc, self._path(keys), type_=Text)

    def kind(self, doc, keys: Sequence[str]) -> ColumnElement:
        """The JSON type at `keys`: string, number, boolean, array, object, null; NULL when
        absent (SQLite's finer names are folded into PostgreSQL's)."""
        if self.postgres:
            return func.json_typeof(doc.op("#>", return_type=JSON)(self._path(keys)))
        raw = func.json_type(doc, self._path(keys))
        return case((raw.in_(("true", "false")), "boolean"), (raw == "text", "string"),
                    (raw.in_(("integer", "real")), "number"), else_=raw)

    def is_bool(self, doc, keys: Sequence[str], value: bool) -> ColumnElement:
        if self.postgres:
            return func.coalesce(and_(self.kind(doc, keys) == "boolean",
                                      self.text(doc, keys) == ("true" if value else "false")),
                                 false())
        return func.coalesce(func.json_type(doc, self._path(keys)) == str(value).lower(),
                             false())

    def elements(self, doc, keys: Sequence[str], name: str) -> FromClause:
        """The values of the array at `keys`, as rows with a JSON `value` and an `idx`
        (its position); no rows when there is no array."""
        if self.postgres:
            at = doc.op("#>", return_type=JSON)(self._path(keys))
            array = case((func.json_typeof(at) == "array", at))
            return func.json_array_elements(array).table_valued(
                column("value", JSON), with_ordinality="idx").alias(name)
        return func.json_each(doc, self._path(keys)).table_valued(
            column("value", JSON), column("key", BigInteger)).alias(name)

    def entries(self, doc, name: str) -> FromClause:
        """The members of the object `doc`, as rows with a JSON `value`."""
        if self.postgres:
            obj = case((func.json_typeof(doc) == "object", doc))
            return func.json_each(obj).table_valued(column("key", Text),
                                                    column("value", JSON)).alias(name)
        return func.json_each(doc).table_valued(column("key", Text),
                                                column("value", JSON)).alias(name)

    def index(self, rows: FromClause) -> ColumnElement:
        return rows.c.idx if self.postgres else rows.c.key

    def lower(self, expr) -> ColumnElement:
        return func.lower(expr) if self.postgres else getattr(func, UNICODE_LOWER)(expr,
                                                                                   type_=Text)

    def ordered(self, expr) -> ColumnElement:
        """Strings compared and sorted by code point on both databases (PostgreSQL's
        default collation would sort by locale rules instead)."""
        return expr.collate("C") if self.postgres else expr

    def contains(self, haystack, needle: str) -> ColumnElement:
        if self.postgres:
            return func.strpos(haystack, needle) > 0
        return func.instr(haystack, needle) > 0

    def starts(self, haystack, needle: str) -> ColumnElement:
        if self.postgres:
            return func.left(haystack, len(needle)) == needle
        return func.substr(haystack, 1, len(needle)) == needle

    def ends(self, haystack, needle: str) -> ColumnElement:
        if self.postgres:
            return func.right(haystack, len(needle)) == needle
        return func.substr(haystack, -len(needle)) == needle


class Field:
    """One single value a filter can test."""

    def text(self, sql: JsonSql) -> ColumnElement:
        raise UnsupportedFilter("this attribute cannot be compared")

    def truth(self, sql: JsonSql, value: bool) -> ColumnElement:
        raise UnsupportedFilter("this attribute is not a boolean")

    def epoch(self, sql: JsonSql) -> ColumnElement:
        raise UnsupportedFilter("this attribute is not a date")

    def present(self, sql: JsonSql) -> ColumnElement:
        value = self.text(sql)
        return and_(value.is_not(None), value != "")

    def compare(self, sql: JsonSql, op: str, value: Any, attr: Attr) -> ColumnElement:
        return compare_text(sql, self.text(sql), op, value, attr)


@dataclass(frozen=True)
class ColumnField(Field):
    expr: Any
    kind: str = "string"  # string, boolean, epoch

    def text(self, sql):
        if self.kind != "string":
            raise UnsupportedFilter("this attribute is not a string")
        return self.expr

    def truth(self, sql, value):
        return func.coalesce(self.expr == value, false())

    def epoch(self, sql):
        return self.expr

    def present(self, sql):
        if self.kind == "string":
            return super().present(sql)
        return self.expr.is_not(None)

    def compare(self, sql, op, value, attr):
        if self.kind == "boolean":
            return compare_truth(self.truth(sql, bool(value)), op)
        if self.kind == "epoch":
            return compare_epoch(self.expr, op, value)
        return super().compare(sql, op, value, attr)


@dataclass(frozen=True)
class JsonField(Field):
    doc: Any
    keys: tuple[str, ...]

    def text(self, sql):
        return sql.text(self.doc, self.keys)

    def truth(self, sql, value):
        return sql.is_bool(self.doc, self.keys, value)

    def present(self, sql):
        kind = sql.kind(self.doc, self.keys)
        value = sql.text(self.doc, self.keys)
        return and_(kind.is_not(None), kind != "null",
                    or_(kind != "string", value != ""))

    def compare(self, sql, op, value, attr):
        if attr.type == "boolean":
            return compare_truth(self.truth(sql, bool(value)), op)
        return super().compare(sql, op, value, attr)


@dataclass(frozen=True)
class ConstField(Field):
    """A value every resource of the scope has, like `meta.resourceType`."""

    value: Any

    def text(self, sql):
        return literal(self.value, Text)

    def truth(self, sql, value):
        return true() if self.value is value else false()

    def present(self, sql):
        return true() if self.value not in (None, "") else false()

    def compare(self, sql, op, value, attr):
        if isinstance(self.value, bool):
            return compare_truth(self.truth(sql, bool(value)), op)
        return super().compare(sql, op, value, attr)


class Scope(Protocol):
    """Where a resource type's attributes live."""

    def field(self, attr: Attr) -> Field: ...

    def has_value(self, attr: Attr, where: Callable[[Scope], ColumnElement]
                  ) -> ColumnElement: ...


def compare_text(sql: JsonSql, value, op: str, literal_value: Any, attr: Attr
                 ) -> ColumnElement:
    if not isinstance(literal_value, str):
        raise UnsupportedFilter(f"{attr.dotted} is compared with text")
    needle = literal_value
    if not attr.case_exact:
        value, needle = sql.lower(value), needle.lower()
    if op == "eq":
        test = value == needle
    elif op == "ne":
        return not_(and_(value.is_not(None), value == needle))
    elif op == "co":
        test = sql.contains(value, needle) if needle else true()
    elif op == "sw":
        test = sql.starts(value, needle) if needle else true()
    elif op == "ew":
        test = sql.ends(value, needle) if needle else true()
    else:
        test = getattr(sql.ordered(value), _ORDERING[op])(needle)
    return and_(value.is_not(None), test)


def compare_truth(is_value: ColumnElement, op: str) -> ColumnElement:
    if op == "eq":
        return is_value
    if op == "ne":
        return not_(is_value)
    raise UnsupportedFilter("booleans are compared with eq and ne only")


def compare_epoch(expr, op: str, value: Any) -> ColumnElement:
    if not isinstance(value, dt.datetime):
        raise UnsupportedFilter("dates are compared with dates")
    seconds = value.timestamp()
    if op in ("co", "sw", "ew"):
        raise UnsupportedFilter("dates are compared with eq, ne, gt, ge, lt and le")
    if op == "ne":
        return not_(and_(expr.is_not(None), expr == seconds))
    test = expr == seconds if op == "eq" else getattr(expr, _ORDERING[op])(seconds)
    return and_(expr.is_not(None), test)


def condition(expr: Filter, scope: Scope, sql: JsonSql) -> ColumnElement:
    """The SQL condition for `expr` over the resources of `scope`."""
    if isinstance(expr, And):
        return and_(*(condition(term, scope, sql) for term in expr.terms))
    if isinstance(expr, Or):
        return or_(*(condition(term, scope, sql) for term in expr.terms))
    if isinstance(expr, Not):
        return not_(condition(expr.term, scope, sql))
    if isinstance(expr, Present):
        return scope.field(expr.attr).present(sql)
    if isinstance(expr, Compare):
        return scope.field(expr.attr).compare(sql, expr.op, expr.value, expr.attr)
    if isinstance(expr, HasValue):
        return scope.has_value(expr.attr, lambda inner: condition(expr.where, inner, sql))
    raise UnsupportedFilter(f"unknown filter node {type(expr).__name__}")


@dataclass(frozen=True)
class ElementScope:
    """The sub-attributes of one value of a multi-valued JSON attribute; `column_backed`
    names sub-attributes whose missing value is a column (the primary e-mail's address
    lives in `user.email`, so its stored entry leaves `value` out)."""

    value: Any
    column_backed: dict[str, Any]

    def field(self, attr: Attr) -> Field:
        json_field = JsonField(self.value, (attr.name,))
        if attr.name in self.column_backed:
            return _Fallback(json_field, self.column_backed[attr.name])
        return json_field

    def has_value(self, attr, where):
        raise UnsupportedFilter("value filters do not nest")


@dataclass(frozen=True)
class _Fallback(Field):
    stored: JsonField
    column: Any

    def text(self, sql):
        return func.coalesce(self.stored.text(sql), self.column)


def json_values(sql: JsonSql, doc, keys: tuple[str, ...], where: Callable[[Scope], Any], *,
                column_backed: dict[str, Any] | None = None, name: str = "v"
                ) -> ColumnElement:
    """EXISTS some value of the JSON array at `keys` for which `where` holds."""
    rows = sql.elements(doc, keys, name)
    inner = ElementScope(rows.c.value, column_backed or {})
    return exists(select(literal(1)).select_from(rows).where(where(inner)))


def sort_expression(key: SortKey, field: Field, sql: JsonSql) -> list:
    """ORDER BY terms for `key`: unassigned values last when ascending and first when
    descending (RFC 7644 §3.4.2.3), strings by code point, case-folded unless case-exact."""
    attr = key.attr
    if attr.type == "boolean":
        value = case((field.truth(sql, True), 1), (field.truth(sql, False), 0))
    elif attr.type == "dateTime":
        value = field.epoch(sql)
    else:
        text = field.text(sql)
        value = sql.ordered(text if attr.case_exact else sql.lower(text))
    return [value.desc().nulls_first() if key.descending else value.asc().nulls_last()]
