"""A shorter path through graphql-core for objects whose fields only read what is there.

Most fields of a list page (a chat's `id`, `title`, `updatedAt`...) are strawberry "basic"
fields: no resolver, no arguments, no permission classes, a scalar or enum type.
graphql-core still gives each one the whole treatment: a Path, a ResolveInfo, strawberry's
resolver wrapper, three levels of `complete_value`; and each object of a list goes
through half a dozen more calls before its fields are read. On a page of 200 chats with
five fields that was 1,000 fields per request and most of its time.

`PlainFieldsExecutor` reads such objects directly, building the answer's dict in one loop
per object. A selected field is "plain" when it is one of:

- a basic field of a leaf type: the attribute (through strawberry's default resolver,
  as the wrapper would), serialised with the field's leaf type;
- a basic field of an object type, or a list of one (a connection's `nodes`, `edges`,
  `pageInfo`, an edge's `node`): the attribute, its object(s) read by the same loop when
  every field selected on them is plain in turn;
- a prepared field: one whose resolver answers from what a list read ahead for the page
  (schema/prefetch.py), marked with `metadata={PREPARED: key_of}`; `key_of(arguments)`
  (graphql-core's coerced arguments, computed once per operation) names the entry of the
  object's `ready` mapping that the resolver would return. No entry, no fast path.

For example `{ chats { nodes { id owner { name } messages(first: 5) { nodes { id } } } } }`
completes, once the `chats` resolver has returned its connection, in one pass: `nodes`
(basic list) -> each Chat's `id` (leaf), `owner` (prepared: `chat.ready["owner"]`) ->
its `name`, `messages` (prepared: `chat.ready[MessageWindow(limit=5)]`) -> `nodes` ->
each message's `id`. No ResolveInfo, resolver call or coroutine per chat.

Any value it is not sure about (a None where the type forbids it, an exception, something
awaitable, a failed serialisation, a missing `ready` entry) sends the whole object or list
back through graphql-core's own code, which then reports exactly the error, path and null
propagation it always would; reading is free of side effects, so nothing is done twice.
Objects with any other field (a resolver, arguments on a basic field, permission classes,
field extensions, an `is_type_of` check, @defer), and every field while a schema
extension hooks `resolve`, take graphql-core's path as before. The differential test
(tests/schema/test_chat_differential.py) runs the real schema through both executors.
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
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# The metadata key of a prepared field (see the module docstring).
PREPARED = "prepared"
# Values of exactly these types are neither awaitable nor exceptions, so they skip that
# check (graphql-core makes it for every value).
_NEVER_AWAITABLE = frozenset({str, int, float, bool, datetime, date, dict, list})
# graphql-core's scalars serialise a value of exactly this type as the value itself.
_OWN_OUTPUT = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}
BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class Objects(NamedTuple):
    """How to read the object (or list of objects) a field holds."""

    fields: tuple[PlainField, ...]
    is_list: bool
    items_nullable: bool


class PlainField(NamedTuple):
    """How to read and serialise one selected field without a ResolveInfo."""

    response_name: str
    read: Callable[[Any, Any], Any]  # (source, attribute or key) -> the value
    attribute: Any  # the attribute's name, or a prepared field's key in `ready`
    serialise: Callable[[Any], Any] | None  # a leaf's; None for objects
    own_output: type | None  # a value of exactly this type is served as it is
    nullable: bool
    objects: Objects | None = None  # for a field of objects: how to read them


def _type_name(_source: Any, name: str) -> str:
    return name


def _ready(source: Any, key: Any) -> Any:
    return source.ready[key]  # no `ready`, or no entry: graphql-core takes the object


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
            objects = self._objects(GraphQLList(item_type), field_details_list)
            completed = self._read_list(objects, items) if objects is not None else None
            if completed is not None:
                return completed
        return super().complete_iterable_value(item_type, field_details_list, info, path,
                                               items, position_context)

    def _read_list(self, objects: Objects, items: Any) -> list | None:
        """A list of plain objects, or None when graphql-core should complete it."""
        if type(items) is not list:
            return None
        fields, nullable, read = objects.fields, objects.items_nullable, self._read
        completed = []
        for item in items:
            if item is None:
                if not nullable:
                    return None
                completed.append(None)
                continue
            results = read(fields, item)
            if results is None:
                return None
            completed.append(results)
        return completed

    def _read(self, plain: tuple[PlainField, ...], source: Any) -> dict[str, Any] | None:
        """The object's fields, or None when any value needs graphql-core's handling."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        try:
            for name, read, attribute, serialise, own_output, nullable, objects in plain:
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
                elif objects is not None:
                    nested = (self._read_list(objects, value) if objects.is_list
                              else self._read(objects.fields, value))
                    if nested is None:
                        return None
                    results[name] = nested
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
            if node.name.value == "__typename":
                plan.append(PlainField(response_name, _type_name, parent_type.name, str,
                                       own_output=str, nullable=False))
                continue
            field_def = parent_type.fields.get(node.name.value)
            field = field_def.extensions.get(BACKREF) if field_def is not None else None
            if not isinstance(field, StrawberryField):
                return None
            planned = self._plan_field(response_name, field_def, field, details)
            if planned is None:
                return None
            plan.append(planned)
        return tuple(plan)

    def _plan_field(self, response_name: str, field_def: GraphQLField,
                    field: StrawberryField, details) -> PlainField | None:
        nullable = not isinstance(field_def.type, GraphQLNonNull)
        key_of = (field.metadata or {}).get(PREPARED)
        if key_of is not None:
            if field.permission_classes or field.extensions:
                return None
            try:
                key = key_of(get_argument_values(field_def, details[0].node,
                                                 self.variable_values))
            except Exception:  # the resolver reports bad arguments, at its own path
                return None
            if key is None:
                return None
            read, attribute = _ready, key
        elif details[0].node.arguments or field_def.args or not field.is_basic_field \
                or not getattr(field_def.resolve, "_is_default", False):
            return None
        else:
            read, attribute = field.default_resolver, field.python_name
        named = field_def.type.of_type if not nullable else field_def.type
        if is_leaf_type(named):
            leaf: GraphQLLeafType = named
            return PlainField(response_name, read, attribute, leaf.coerce_output_value,
                              own_output=_OWN_OUTPUT.get(leaf), nullable=nullable)
        objects = self._objects(named, details)
        if objects is None:
            return None
        return PlainField(response_name, read, attribute, None, own_output=None,
                          nullable=nullable, objects=objects)

    def _objects(self, field_type: Any, details) -> Objects | None:
        """How to read an object type's (or a list of one's) selection, when all plain."""
        is_list = isinstance(field_type, GraphQLList)
        item = field_type.of_type if is_list else field_type
        items_nullable = not isinstance(item, GraphQLNonNull)
        if not items_nullable:
            item = item.of_type
        if not isinstance(item, GraphQLObjectType) or item.is_type_of is not None:
            return None
        grouped, defer_usages, forbidden = self.collect_subfields(item, details)
        if defer_usages or forbidden:
            return None
        fields = self._plain_fields(item, grouped)
        return Objects(fields, is_list, items_nullable) if fields is not None else None
