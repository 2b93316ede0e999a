"""A shorter path through graphql-core for fields that only read an attribute.

Most fields of a list page (a chat's `id`, `title`, `updatedAt`...) are strawberry "basic"
fields: no resolver, no arguments, no permission classes, a scalar or enum type.
graphql-core still gives each one the whole treatment: a Path, a ResolveInfo, strawberry's
resolver wrapper, three levels of `complete_value`; and each object of a list goes
through half a dozen more calls before its fields are read. On a page of 200 chats with
five fields that was 1,000 fields per request and most of its time.

`PlainFieldsExecutor` reads such objects directly: when every field selected on an object
is plain, it reads each attribute (through strawberry's default resolver, as the wrapper
would) and serialises it with the field's leaf type, in one loop; a list of such objects
is read in one more loop. Any value it is not sure about (a None where the type forbids
it, an exception, something awaitable, a failed serialisation) sends the whole object or
list back through graphql-core's own code, which then reports exactly the error, path and
null propagation it always would. Objects with any field that has a resolver, arguments,
permission classes or field extensions, and every field while a schema extension hooks
`resolve`, take graphql-core's path as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# Values of exactly these types are neither awaitable nor exceptions, so they skip that
# check (graphql-core makes it for every value).
_NEVER_AWAITABLE = frozenset({str, int, float, bool, datetime, date, dict, list})
# graphql-core's scalars serialise a value of exactly this type as the value itself.
_OWN_OUTPUT = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}
BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class PlainField(NamedTuple):
    """How to read and serialise one selected field without a ResolveInfo."""

    response_name: str
    read: Callable[[Any, str], Any]  # strawberry's default resolver (getattr)
    attribute: str
    serialise: Callable[[Any], Any]
    own_output: type | None  # a value of exactly this type is served as it is
    nullable: bool


def _type_name(_source: Any, name: str) -> str:
    return name


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(grouped field set) -> (that set, its plain fields or None), for this operation.
        # The set is kept with its entry so that its id cannot be reused meanwhile.
        self._plain_objects: dict[int, tuple[Any, tuple[PlainField, ...] | None]] = {}

    def execute_fields(self, parent_type, source_value, path, grouped_field_set,
                       position_context):
        plain = self._plain_fields(parent_type, grouped_field_set)
        if plain is not None:
            results = self._read(plain, source_value)
            if results is not None:
                return results
        return super().execute_fields(parent_type, source_value, path, grouped_field_set,
                                      position_context)

    def complete_iterable_value(self, item_type, field_details_list, info, path, items,
                                position_context):
        if type(items) is list and not self.get_stream_usage(field_details_list, path):
            completed = self._read_list(item_type, field_details_list, info, items)
            if completed is not None:
                return completed
        return super().complete_iterable_value(item_type, field_details_list, info, path,
                                               items, position_context)

    def _read_list(self, item_type, field_details_list, info, items: list) -> list | None:
        """A list of plain objects, or None when graphql-core should complete it."""
        nullable = not isinstance(item_type, GraphQLNonNull)
        object_type = item_type if nullable else item_type.of_type
        if not isinstance(object_type, GraphQLObjectType):
            return None
        grouped_field_set, defer_usages, _ = self.collect_subfields(object_type,
                                                                    field_details_list)
        plain = None if defer_usages else self._plain_fields(object_type, grouped_field_set)
        if plain is None:
            return None
        is_type_of, read = object_type.is_type_of, self._read
        completed = []
        for item in items:
            if item is None:
                if not nullable:
                    return None
                completed.append(None)
                continue
            if is_type_of is not None and is_type_of(item, info) is not True:
                return None
            results = read(plain, item)
            if results is None:
                return None
            completed.append(results)
        return completed

    def _read(self, plain: tuple[PlainField, ...], source: Any) -> dict[str, Any] | None:
        """The object's fields, or None when any value needs graphql-core's handling."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        try:
            for name, read, attribute, serialise, own_output, nullable in plain:
                value = read(source, attribute)
                kind = type(value)
                if kind is own_output:
                    results[name] = value
                elif value is None:
                    if not nullable:
                        return None
                    results[name] = None
                elif kind not in _NEVER_AWAITABLE and (
                        isinstance(value, Exception) or is_awaitable(value)):
                    return None
                else:
                    serialised = serialise(value)
                    if serialised is None or serialised is Undefined:
                        return None
                    results[name] = serialised
        except Exception:  # graphql-core reports it, with its path, on its own path
            return None
        return results

    def _plain_fields(self, parent_type: GraphQLObjectType,
                      grouped_field_set) -> tuple[PlainField, ...] | None:
        cached = self._plain_objects.get(id(grouped_field_set))
        if cached is None:
            cached = (grouped_field_set, self._plan(parent_type, grouped_field_set))
            self._plain_objects[id(grouped_field_set)] = cached
        return cached[1]

    def _plan(self, parent_type: GraphQLObjectType,
              grouped_field_set) -> tuple[PlainField, ...] | None:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None  # a schema extension hooks every field's resolver
        plan = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            if node.arguments:
                return None
            if node.name.value == "__typename":
                plan.append(PlainField(response_name, _type_name, parent_type.name, str,
                                       own_output=str, nullable=False))
                continue
            field_def = parent_type.fields.get(node.name.value)
            leaf = _plain_leaf(field_def) if field_def is not None else None
            if leaf is None:
                return None
            field = field_def.extensions[BACKREF]
            plan.append(PlainField(
                response_name, field.default_resolver, field.python_name,
                leaf.coerce_output_value, own_output=_OWN_OUTPUT.get(leaf),
                nullable=not isinstance(field_def.type, GraphQLNonNull)))
        return tuple(plan)


def _plain_leaf(field_def: GraphQLField) -> GraphQLLeafType | None:
    """The leaf type of a strawberry basic field (no resolver, arguments or extensions)."""
    if field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return None
    field = (field_def.extensions or {}).get(BACKREF)
    if not isinstance(field, StrawberryField) or not field.is_basic_field:
        return None
    field_type = field_def.type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return field_type if is_leaf_type(field_type) else None
