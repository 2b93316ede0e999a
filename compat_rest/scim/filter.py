"""SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2), parsed into the resolvers'
filter AST with every name resolved against a resource type's schemas.

The whole grammar: `eq ne co sw ew gt ge lt le pr`, `and`, `or`, `not ( … )`, grouping
parentheses (precedence not > and > or), value paths `emails[type eq "work"]`,
sub-attributes, URN-qualified names; operators, keywords and names in any letter case;
values as JSON literals. Limits on length, nesting and term count keep one request cheap.
Anything unsupported is a 400 invalidFilter (or invalidPath in a PATCH path), never a
filter silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from compat_rest.scim.errors import ScimError
from compat_rest.scim.schemas import Attribute, ResourceType, Target, resolve
from resolvers.errors import Invalid
from resolvers.filters import OPERATORS, And, Attr, Compare, Filter, HasValue, Not, Or, Present
from resolvers.input_rules import decode_json

MAX_LENGTH = 4096
MAX_DEPTH = 10  # nested parentheses, `not` and value paths
MAX_TERMS = 50  # comparisons in one filter
_ORDERED_TYPES = {"string", "dateTime", "integer", "decimal", "reference"}
_TOKEN = re.compile(r"""
    \s*(?:
      (?P<punct>[()\[\]])
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<word>[^\s()\[\]"]+)
    )""", re.VERBOSE)


class FilterError(ScimError):
    def __init__(self, detail: str, scim_type: str = "invalidFilter"):
        super().__init__(400, detail, scim_type)


class UnknownAttribute(FilterError):
    """The filter is well-formed but names an attribute the resource type lacks."""


@dataclass
class _Token:
    kind: str  # punct, string, word
    text: str
    at: int


def _tokens(text: str, scim_type: str) -> list[_Token]:
    found, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FilterError(f"Cannot read the filter at character {position + 1}.",
                              scim_type)
        kind = match.lastgroup or "word"
        found.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str, rtype: ResourceType, scim_type: str = "invalidFilter"):
        if len(text) > MAX_LENGTH:
            raise FilterError(f"Filters are at most {MAX_LENGTH} characters.", scim_type)
        self.rtype, self.scim_type = rtype, scim_type
        self.tokens = _tokens(text, scim_type)
        self.position = self.depth = self.terms = 0

    def fail(self, detail: str) -> FilterError:
        return FilterError(detail, self.scim_type)

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() in words:
            self.position += 1
            return token.text.lower()
        return None

    def expect(self, punct: str) -> None:
        token = self.peek()
        if token is None or token.kind != "punct" or token.text != punct:
            where = f"at character {token.at + 1}" if token else "at the end"
            raise self.fail(f"Expected '{punct}' {where} of the filter.")
        self.position += 1

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"The filter is nested more than {MAX_DEPTH} levels deep.")

    def finish(self) -> None:
        token = self.peek()
        if token is not None:
            raise self.fail(f"Unexpected '{token.text}' at character {token.at + 1}.")

    def logical(self, parent: Attribute | None) -> Filter:
        terms = [self.conjunction(parent)]
        while self.keyword("or"):
            terms.append(self.conjunction(parent))
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def conjunction(self, parent: Attribute | None) -> Filter:
        terms = [self.unary(parent)]
        while self.keyword("and"):
            terms.append(self.unary(parent))
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def unary(self, parent: Attribute | None) -> Filter:
        token = self.peek()
        if token is None:
            raise self.fail("The filter ends where an expression was expected.")
        negate = self.keyword("not") is not None
        token = self.peek()
        if negate or (token is not None and token.kind == "punct" and token.text == "("):
            self.expect("(")
            self.nested()
            inner = self.logical(parent)
            self.expect(")")
            self.depth -= 1
            return Not(inner) if negate else inner
        return self.comparison(parent)

    def path_token(self) -> _Token:
        token = self.peek()
        if token is None or token.kind != "word":
            where = f"'{token.text}' at character {token.at + 1}" if token else "the end"
            raise self.fail(f"Expected an attribute name, found {where}.")
        self.position += 1
        return token

    def comparison(self, parent: Attribute | None) -> Filter:
        token = self.path_token()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.fail(f"Filters compare at most {MAX_TERMS} attributes.")
        nxt = self.peek()
        if parent is None and nxt is not None and nxt.kind == "punct" and nxt.text == "[":
            return self.value_path(token)
        operator = self.keyword("pr", *OPERATORS)
        if operator is None:
            found = f"'{nxt.text}'" if nxt else "the end of the filter"
            raise self.fail(f"Expected an operator after '{token.text}', found {found}.")
        if operator == "pr":
            return self.present(token.text, parent)
        attr, target_attr = self.attribute(token.text, parent)
        return self.compare(attr, target_attr, operator, self.literal())

    def present(self, name: str, parent: Attribute | None) -> Filter:
        """`pr` on a single complex attribute (`name pr`) holds when it "contains a
        non-empty node" (RFC 7644 §3.4.2.2): when any of its sub-attributes has a value."""
        target = self.lookup(name, parent)
        complex_ = target.attr if target.sub is None else None
        if complex_ is None or complex_.type != "complex" or complex_.multi:
            attr, found = self.attribute(name, parent)
            return wrap(attr, found, Present)
        subs = [s for s in complex_.sub if s.returned != "never"]
        terms = tuple(wrap(Attr(s.name, type=s.type, case_exact=s.case_exact),
                           Target(target.extension, complex_, s), Present) for s in subs)
        return terms[0] if len(terms) == 1 else Or(terms)

    def value_path(self, token: _Token) -> Filter:
        target = self.lookup(token.text, None)
        if target.attr is None or not target.attr.multi or target.sub is not None:
            raise self.fail(f"'{token.text}[…]' needs a multi-valued attribute.")
        self.expect("[")
        self.nested()
        where = self.logical(target.attr)
        self.expect("]")
        self.depth -= 1
        return HasValue(Attr(target.attr.name, extension=target.urn, type="complex"), where)

    def lookup(self, name: str, parent: Attribute | None) -> Target:
        if parent is not None:
            sub = parent.child(name)
            if sub is None:
                raise UnknownAttribute(f"'{parent.name}' has no sub-attribute '{name}'.",
                                       self.scim_type)
            return Target(None, sub)
        target = resolve(self.rtype, name)
        if target is None:
            raise UnknownAttribute(f"{self.rtype.id} has no attribute '{name}'.",
                                   self.scim_type)
        return target

    def attribute(self, name: str, parent: Attribute | None) -> tuple[Attr, Target]:
        target = self.lookup(name, parent)
        attr = target.sub or target.attr
        if attr is None or attr.returned == "never":
            raise self.fail(f"'{name}' cannot be filtered on.")
        if target.attr.multi and target.sub is None and parent is None:
            attr = target.attr.child("value")  # `emails co "x"` means emails.value
            if attr is None:
                raise self.fail(f"'{name}' needs a sub-attribute to be filtered on.")
            target = Target(target.extension, target.attr, attr)
        elif attr.type == "complex":
            raise self.fail(f"'{name}' needs a sub-attribute to be filtered on.")
        return Attr(attr.name, type=attr.type, case_exact=attr.case_exact), target

    def literal(self):
        token = self.peek()
        if token is None:
            raise self.fail("A value is missing at the end of the filter.")
        self.position += 1
        if token.kind == "string":
            try:  # the input rules (no NUL, resolvers/input_rules.py) as for any body
                return decode_json(token.text)
            except Invalid as error:
                raise self.fail(f"Bad string at character {token.at + 1}: "
                                f"{error.message}") from None
        lowered = token.text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        try:
            number = decode_json(token.text)
        except Invalid:
            number = None
        if isinstance(number, int | float) and not isinstance(number, bool):
            return number
        raise self.fail(f"'{token.text}' is not a value: quote strings, e.g. \"{token.text}\".")

    def compare(self, attr: Attr, target: Target, op: str, value) -> Filter:
        if value is None:
            if op not in ("eq", "ne"):
                raise self.fail("null is compared with eq or ne only.")
            present = wrap(attr, target, Present)
            return Not(present) if op == "eq" else present
        kind = attr.type
        if kind == "boolean":
            if not isinstance(value, bool) or op not in ("eq", "ne"):
                raise self.fail(f"'{attr.name}' is a boolean: compare it with eq or ne "
                                "and true or false.")
        elif kind == "dateTime":
            value = self.date(value)
            if op in ("co", "sw", "ew"):
                raise self.fail(f"'{attr.name}' is a date: co, sw and ew do not apply.")
        elif kind in ("integer", "decimal"):
            if not isinstance(value, int | float) or isinstance(value, bool) or op in (
                    "co", "sw", "ew"):
                raise self.fail(f"'{attr.name}' is a number.")
        elif not isinstance(value, str):
            raise self.fail(f"'{attr.name}' is compared with a quoted string.")
        if op in ("gt", "ge", "lt", "le") and kind not in _ORDERED_TYPES:
            raise self.fail(f"'{attr.name}' cannot be compared with {op}.")
        return wrap(attr, target, lambda a: Compare(a, op, value))

    def date(self, value) -> dt.datetime:
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
            except ValueError:
                pass
        raise self.fail(f"{value!r} is not a date-time like 2024-05-01T12:00:00Z.")


def wrap(attr: Attr, target: Target, make) -> Filter:
    """Place a test on `attr` where it applies: inside HasValue for a multi-valued
    attribute, with the parent named for a sub-attribute of a single complex one."""
    parent = target.attr
    if target.sub is None or parent is None:
        return make(Attr(attr.name, extension=target.urn, type=attr.type,
                         case_exact=attr.case_exact))
    if parent.multi:
        return HasValue(Attr(parent.name, extension=target.urn, type="complex"), make(attr))
    return make(Attr(parent.name, sub=attr.name, extension=target.urn, type=attr.type,
                     case_exact=attr.case_exact))


def parse_filter(text: str, rtype: ResourceType) -> Filter:
    """The filter `text` over resources of `rtype`."""
    parser = _Parser(text, rtype)
    if not parser.tokens:
        raise FilterError("The filter is empty.")
    result = parser.logical(None)
    parser.finish()
    return result


@dataclass(frozen=True)
class PatchPath:
    """A PATCH path: an attribute (or an extension, `attr` None), an optional value
    filter over the values of a multi-valued attribute, an optional sub-attribute."""

    target: Target
    where: Filter | None = None
    sub: Attribute | None = None


def parse_path(text: str, rtype: ResourceType) -> PatchPath:
    """`attrPath` or `valuePath["." subAttr]` (RFC 7644 §3.5.2)."""
    head, bracket, rest = text.partition("[")
    target = resolve(rtype, head.strip())
    if target is None:
        raise FilterError(f"{rtype.id} has no attribute '{head.strip()}'.", "invalidPath")
    if not bracket:
        return PatchPath(target, None, target.sub)
    if target.attr is None or not target.attr.multi or target.sub is not None:
        raise FilterError(f"'{head}[…]' needs a multi-valued attribute.", "invalidPath")
    inner, closing, tail = rest.rpartition("]")
    if not closing:
        raise FilterError("The value filter in the path has no closing ']'.", "invalidPath")
    parser = _Parser(inner, rtype, "invalidPath")
    where = parser.logical(target.attr)
    parser.finish()
    sub = None
    if tail:
        if not tail.startswith(".") or target.attr.child(tail[1:]) is None:
            raise FilterError(f"'{target.attr.name}' has no sub-attribute '{tail[1:]}'.",
                              "invalidPath")
        sub = target.attr.child(tail[1:])
    return PatchPath(target, where, sub)
