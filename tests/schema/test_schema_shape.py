"""The schema itself: described throughout, built once, with the documented shapes."""

from types import SimpleNamespace

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from resolvers.errors import Invalid
from schema.pagination import decode_cursor, encode_cursor, start_after
from schema.root import build_schema

LIMITS = SimpleNamespace(graphql_max_depth=15, graphql_max_aliases=30,
                         graphql_max_tokens=5000)


def test_every_type_field_argument_and_value_is_described():
    missing = []
    for name, kind in build_schema(LIMITS)._schema.type_map.items():
        if name.startswith("__") or (isinstance(kind, GraphQLScalarType)
                                     and name in ("String", "Boolean", "Int", "Float", "ID")):
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in kind.values.items()
                        if not value.description]
        if isinstance(kind, GraphQLUnionType) and not kind.types:
            missing.append(f"{name} has no members")
    assert missing == []


def test_schema_is_built_once_per_limits():
    assert build_schema(LIMITS) is build_schema(SimpleNamespace(**vars(LIMITS)))


def test_mutations_take_one_input_and_return_non_null():
    mutation = build_schema(LIMITS)._schema.mutation_type
    for name, field in mutation.fields.items():
        assert set(field.args) <= {"input"}, name
        assert str(field.type).endswith("!"), name


def test_expected_failures_implement_mutation_error():
    sdl = str(build_schema(LIMITS))
    for failure in ("InvalidCredentials", "EmailTaken", "SignUpClosed",
                    "RateLimitExceeded", "IncorrectPassword"):
        assert f"type {failure} implements MutationError" in sdl


def test_cursors_are_opaque_and_tied_to_their_list():
    cursor = encode_cursor("users", 41)
    assert "41" not in cursor and decode_cursor("users", cursor) == 41
    assert start_after("users", cursor) == 42 and start_after("users", None) == 0
    for bad in (encode_cursor("chats", 1), "!!", "dXNlcnM6LTE=", ""):
        with pytest.raises(Invalid):
            decode_cursor("users", bad)
