"""Relay cursor connections: Connection / Edge / PageInfo, with opaque cursors.

A cursor is base64 of `<list>:<offset>`. Clients must treat it as opaque; naming the list
lets us refuse a cursor taken from another list instead of silently mis-paging.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Generic, TypeVar

import strawberry

from resolvers.errors import Invalid

Item = TypeVar("Item")
Row = TypeVar("Row")


@strawberry.enum(description="Which way a list is sorted.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("asc", description="Smallest (or oldest, or A) first.")
    DESC = strawberry.enum_value("desc", description="Largest (or newest, or Z) first.")


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items come before this page.")
    start_cursor: str | None = strawberry.field(description="The first edge's cursor.")
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor; pass it as `after` for the next page.")


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[Item]):
    cursor: str = strawberry.field(description="Opaque; pass as `after` to continue here.")
    node: Item = strawberry.field(description="The item.")


@strawberry.type(description="One page of a longer list.")
class Connection(Generic[Item]):
    edges: list[Edge[Item]] = strawberry.field(description="The page's items with cursors.")
    nodes: list[Item] = strawberry.field(description="The page's items, without cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="How many items the whole list has.")


def encode_cursor(kind: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode()


def decode_cursor(kind: str, cursor: str) -> int:
    try:
        name, _, offset = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if name == kind and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise Invalid("The cursor is not one this list handed out.", reason="invalid_cursor",
                  field="after")


def start_after(kind: str, after: str | None) -> int:
    """The offset of the first item to return."""
    return 0 if after is None else decode_cursor(kind, after) + 1


def offset_connection(kind: str, rows: Sequence[Row], *, offset: int, total: int,
                      node: Callable[[Row], Item]) -> Connection[Item]:
    nodes = [node(row) for row in rows]
    edges = [Edge(cursor=encode_cursor(kind, offset + i), node=n) for i, n in enumerate(nodes)]
    return Connection(
        edges=edges, nodes=nodes, total_count=total,
        page_info=PageInfo(has_next_page=offset + len(nodes) < total,
                           has_previous_page=offset > 0,
                           start_cursor=edges[0].cursor if edges else None,
                           end_cursor=edges[-1].cursor if edges else None))
