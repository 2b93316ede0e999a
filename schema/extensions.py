"""Schema extensions: one unit of work per operation, error codes and masking, and the
limits that keep a single request from costing the server much."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    MaxIntrospectionDepthRule,
    StringValueNode,
    ValidationRule,
    get_operation_ast,
)
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types.graphql import OperationType

from resolvers.errors import Invalid
from resolvers.input_rules import check_text, check_value
from schema.errors import UNEXPECTED, formatted

log = logging.getLogger("parley.graphql")

# Documents longer than this skip the parse and validation caches: both keep up to 128
# entries, and a chat pasted inline into a query would otherwise pin megabytes each.
# (The token limit is applied by graphql-core's parser, as MaxTokensLimiter does.)
CACHEABLE_QUERY_CHARS = 64 * 1024
ROLLED_BACK = "No changes were saved: part of this mutation failed."


class _RollBack(Exception):
    """Leaves a unit of work through its rollback path without an error to report."""


class UnitOfWork(SchemaExtension):
    """A fresh resolver Context and one transaction per operation.

    Queries read and roll back. A mutation is one write transaction, committed only when
    every field succeeded: an error or an expected-failure union member rolls all of it
    back (as a REST handler that raised). Mutation fields marked `metadata={"writes":
    False}` (signIn) run in a read transaction, so they never hold SQLite's write lock
    while checking a password. Subscriptions hold none; they open short ones per write.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        ctx = execution.context = execution.context.for_operation()
        kind = execution.operation_type
        if kind is OperationType.SUBSCRIPTION:
            yield
            return
        write = kind is OperationType.MUTATION and _writes(execution)
        executed = False
        try:
            async with ctx.unit_of_work(write=write):
                yield
                executed = True
                if write and (ctx.failed or _errors(execution.result)):
                    raise _RollBack
        except _RollBack:
            _note_rollback(execution.result)
        except Exception:
            if not executed:
                raise
            # The commit (or an after-commit hook) failed after the fields resolved: the
            # answer they built is not true any more.
            log.exception("GraphQL unit of work failed to commit")
            _replace_with_failure(execution.result)


def _writes(execution) -> bool:
    """Whether any top-level mutation field may write (fields do unless marked)."""
    operation = get_operation_ast(execution.graphql_document, execution.operation_name)
    for selection in operation.selection_set.selections if operation else ():
        if not isinstance(selection, FieldNode):
            return True
        field = execution.schema.get_field_for_type(selection.name.value, "Mutation")
        if field is None or field.metadata.get("writes", True):
            return True
    return False


def _errors(result: Any) -> bool:
    return bool(getattr(result, "errors", None))


def _note_rollback(result: Any) -> None:
    """Fields that resolved still show their data; say that none of it was kept. (Root
    mutation fields are non-null, so this only shows when a nested nullable field failed.)"""
    data = getattr(result, "data", None) or {}
    if sum(value is not None for value in data.values()) and _errors(result):
        result.errors = [*result.errors,
                         GraphQLError(ROLLED_BACK, extensions={"code": "ROLLED_BACK"})]


def _replace_with_failure(result: Any) -> None:
    if result is not None:
        result.data = None
        result.errors = [GraphQLError(UNEXPECTED, extensions={"code": "INTERNAL"})]


class OperationPolicy(ParserCache, ValidationCache):
    """What every operation goes through around execution: the token, depth, alias and
    introspection limits; strawberry's parse and validation caches; and an
    `extensions.code` on every error, unexpected ones masked (see schema/errors.py).

    One extension rather than five: strawberry rebuilds hook wrappers for each extension
    at every step of every request, and merging them saves ~25 µs of a ~60 µs budget."""

    def __init__(self, max_tokens: int, rules: tuple) -> None:
        super().__init__()  # both caches, at strawberry's default size
        self.max_tokens, self.rules = max_tokens, rules
        self.validation_errors: frozenset[int] = frozenset()

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        execution.parse_options["max_tokens"] = self.max_tokens
        execution.validation_rules = execution.validation_rules + self.rules
        yield
        self._format(execution.result)

    def on_parse(self) -> Iterator[None]:
        if self._cacheable():
            yield from ParserCache.on_parse(self)
        else:
            yield

    def on_validate(self) -> Iterator[None]:
        refused = _refused_variables(self.execution_context.variables)
        if refused is not None:  # answered instead of validating (strawberry skips it)
            self.execution_context.pre_execution_errors = [refused]
            yield
            return
        if self._cacheable():
            yield from ValidationCache.on_validate(self)
        else:
            yield
        errors = self.execution_context.pre_execution_errors or ()
        self.validation_errors = frozenset(id(error) for error in errors)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._format(result)  # WebSocket results, before each is sent
        yield

    def _cacheable(self) -> bool:
        return len(self.execution_context.query or "") <= CACHEABLE_QUERY_CHARS

    def _format(self, result: Any) -> None:
        if _errors(result):
            result.errors = [formatted(e, validation=id(e) in self.validation_errors)
                             for e in result.errors]


class TextRule(ValidationRule):
    """String literals in the document held to the input rules (resolvers/input_rules.py)
    as variables are: a NUL is the client's mistake, BAD_USER_INPUT."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        try:
            check_text(node.value, "A string argument")
        except Invalid as error:
            self.report_error(GraphQLError(error.message, node, extensions={
                "code": error.code, "reason": error.reason}))


def _refused_variables(variables: dict[str, Any] | None) -> GraphQLError | None:
    try:
        check_value(variables or {}, "variables")
    except Invalid as error:
        return GraphQLError(error.message, extensions={"code": error.code,
                                                       "reason": error.reason})
    return None


def extensions_for(*, max_depth: int, max_aliases: int, max_tokens: int) -> list:
    """Extension factories (strawberry makes fresh instances per operation). The limit
    rules are built here, once: the validation cache keys on the rule classes, so new
    classes per request would never hit it. A long string in a variable costs no tokens,
    so the token limit never stands between a client and a 10 MB chat.

    The depth limiter skips introspection fields, so graphql-js's introspection rule
    bounds `fields { type { ofType { fields ... } } }` cycles instead."""
    rules = (depth_rule(max_depth, None), alias_rule(max_aliases), MaxIntrospectionDepthRule,
             TextRule)
    return [lambda: OperationPolicy(max_tokens, rules), UnitOfWork]
