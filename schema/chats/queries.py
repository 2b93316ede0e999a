"""Reading chats: the caller's chats as a connection, one chat, tags, shared snapshots."""

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types.nodes import SelectedField

from resolvers.chats import chats
from resolvers.chats import limits as chat_limits
from resolvers.chats import messages as chat_messages
from resolvers.chats import sharing as chat_sharing
from resolvers.chats import tags as chat_tags
from resolvers.chats.messages import MessageWindow
from resolvers.errors import DomainError
from schema.chats.types import Chat, Tag, message_columns, message_connection, window_of
from schema.context import Info
from schema.pagination import (
    Connection,
    Edge,
    OrderDirection,
    PageInfo,
    encode_cursor,
    start_after,
)
from schema.prefetch import ITSELF, NODE_PATHS, nested_fields
from schema.scalars import timestamp
from schema.users.types import User


@strawberry.enum(description="What chats can be sorted by.")
class ChatOrderField(Enum):
    UPDATED_AT = strawberry.enum_value("updated_at", description="When messages last "
                                                                 "changed.")
    CREATED_AT = strawberry.enum_value("created_at", description="Creation time.")
    TITLE = strawberry.enum_value("title", description="The title.")


@strawberry.input(description="How to sort chats.")
class ChatOrder:
    field: ChatOrderField = strawberry.field(default=ChatOrderField.UPDATED_AT,
                                             description="What to sort by.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC,
                                                 description="Which way.")


@strawberry.input(description="Which of the caller's chats to list.")
class ChatFilter:
    archived: bool | None = strawberry.field(
        default=False, description="Archived chats only (true), none (false, the default), "
                                   "or both (null).")
    pinned: bool | None = strawberry.field(
        default=None, description="Pinned chats only (true), unpinned only (false), or "
                                  "both (null, the default).")
    tag: str | None = strawberry.field(default=None, description="Chats with this tag "
                                                                 "(name or id).")
    search: str | None = strawberry.field(
        default=None, description="Text in the title or in any message.")


@strawberry.type(description="A message of a shared snapshot.")
class SharedMessage:
    id: strawberry.ID = strawberry.field(description="The message id.")
    role: str = strawberry.field(description="user, assistant or system.")
    content: strawberry.scalars.JSON = strawberry.field(description="The content as stored.")
    model: str | None = strawberry.field(description="The model that wrote an answer.")


@strawberry.type(description="A shared snapshot of a chat, as it was when shared.")
class SharedChat:
    share_id: strawberry.ID = strawberry.field(description="The id in the share link.")
    title: str = strawberry.field(description="The chat's title when shared.")
    messages: list[SharedMessage] = strawberry.field(
        description="The branch that was current when shared, first message first.")
    updated_at: datetime = strawberry.field(description="When the snapshot was taken.")


def _shared(snapshot: chat_sharing.SharedSnapshot) -> SharedChat:
    history = (snapshot.chat.get("history") or {}) if isinstance(snapshot.chat, dict) else {}
    nodes = history.get("messages") or {}
    path, at, seen = [], history.get("currentId"), set()
    while isinstance(at, str) and at in nodes and at not in seen:
        seen.add(at)
        path.append(nodes[at])
        at = nodes[at].get("parentId")
    return SharedChat(
        share_id=strawberry.ID(snapshot.share_id), title=snapshot.title,
        updated_at=timestamp(snapshot.updated_at),
        messages=[SharedMessage(id=strawberry.ID(str(m.get("id"))), role=str(m.get("role")),
                                content=m.get("content"), model=m.get("model"))
                  for m in reversed(path)])


def chat_connection(rows, *, offset: int, total: int | None, more: bool,
                    with_edges: bool) -> Connection[Chat]:
    """The page as a connection; edges only when asked for (a page of 200 need not build
    200 cursors no one reads), totalCount only when counted."""
    nodes = [Chat.from_row(row) for row in rows]
    edges = ([Edge(cursor=encode_cursor("chats", offset + i), node=node)
              for i, node in enumerate(nodes)] if with_edges else [])
    return Connection(
        edges=edges, nodes=nodes, total_count=total if total is not None else -1,
        page_info=PageInfo(
            has_next_page=more, has_previous_page=offset > 0,
            start_cursor=encode_cursor("chats", offset) if nodes else None,
            end_cursor=encode_cursor("chats", offset + len(nodes) - 1) if nodes else None))


def requested(info: Info) -> set[str]:
    """The names selected directly under the current field (through fragments too)."""
    names: set[str] = set()
    pending = [s for field in info.selected_fields for s in field.selections]
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        else:
            pending.extend(selection.selections)
    return names


def _message_shapes(info: Info, paths: tuple) -> dict[MessageWindow, tuple[set, set]]:
    """Per distinct window, what any of its selections asks of the connection and of
    its messages: each chat's connection is built once, with those fields only. A
    window with invalid arguments is left out: the field reports it."""
    shapes: dict[MessageWindow, tuple[set[str], set[str]]] = {}
    for nested in nested_fields(info, "messages", paths):
        try:
            window = window_of(**nested.arguments)
        except DomainError:
            continue
        names, node_names = shapes.setdefault(window, (set(), set()))
        names |= nested.names
        node_names |= nested.node_names
    return shapes


async def _prefetch(info: Info, rows, nodes: list[Chat], paths: tuple = NODE_PATHS,
                    read: dict | None = None) -> None:
    """The owners and the message windows the query selects on the page, for every chat
    at once (schema/prefetch.py). `paths` says where the chats are selected: a
    connection's nodes, or the field itself; `read` holds windows already read
    ({window: {chat id: page}})."""
    if not nodes:
        return
    for node in nodes:
        node.ready = {}
    ctx = info.context
    if nested_fields(info, "owner", paths):
        owners = await chats.owners_of_chats(ctx, rows)
        users = {id(row): User.from_row(row) if row else None
                 for row in {id(row): row for row in owners.values()}.values()}
        for node in nodes:
            if node.id in owners:
                node.ready["owner"] = users[id(owners[node.id])]
    for window, (names, node_names) in _message_shapes(info, paths).items():
        pages = (read or {}).get(window) or await chat_messages.list_messages_of_chats(
            ctx, rows, window, columns=message_columns(node_names))
        kind = f"messages-{window.scope}"
        for node in nodes:
            if node.id in pages:
                node.ready[window] = message_connection(
                    kind, pages[node.id], fields=node_names, with_edges="edges" in names)


@strawberry.type
class ChatQueries:
    @strawberry.field(description="The caller's chats, a page at a time; newest activity "
                                  "first by default, archived chats left out.")
    async def chats(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 0 to {chat_limits.MAX_CHAT_PAGE}.")] = 50,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
        filter: Annotated[ChatFilter | None, strawberry.argument(
            description="Which chats.")] = None,
        order_by: Annotated[ChatOrder | None, strawberry.argument(
            description="Sort order.")] = None,
    ) -> Connection[Chat]:
        chat_limits.page(first, chat_limits.MAX_CHAT_PAGE, "chats")
        wanted, order = filter or ChatFilter(), order_by or ChatOrder()
        offset = start_after("chats", after)
        asked = requested(info)
        counted = "totalCount" in asked
        # One window of messages (the usual case) is read with the page.
        shapes, window, node_names = _message_shapes(info, NODE_PATHS), None, ()
        if len(shapes) == 1:
            [(window, (_, node_names))] = shapes.items()
        # One row past the page tells whether another page follows, without a count.
        page = await chats.list_chats(
            info.context, offset=offset, limit=first if counted else first + 1,
            count=counted, window=window, columns=message_columns(node_names),
            filter=chats.ChatFilter(archived=wanted.archived, pinned=wanted.pinned,
                                    tag=wanted.tag, search=wanted.search),
            order=chats.ChatOrder(field=order.field.value,
                                  descending=order.direction is OrderDirection.DESC))
        rows = page.chats[:first]
        more = (offset + len(rows) < page.total) if counted else len(page.chats) > first
        connection = chat_connection(rows, offset=offset, total=page.total, more=more,
                                     with_edges="edges" in asked)
        await _prefetch(info, rows, connection.nodes,
                        read=None if page.windows is None else {window: page.windows})
        return connection

    @strawberry.field(description="One chat: the caller's own (administrators with chat "
                                  "access: anyone's). NOT_FOUND otherwise.")
    async def chat(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The chat's id.")],
    ) -> Chat:
        # Prepared as a page's chats are: its owner and message windows are read here,
        # without a dataloader's round of the event loop, and the whole object is then
        # completed by schema/execution.py's plain path.
        shapes = _message_shapes(info, ITSELF)
        if len(shapes) != 1:
            row = await chats.read_chat_summary(info.context, str(id))
            node = Chat.from_row(row)
            await _prefetch(info, [row], [node], ITSELF)
            return node
        # One window of messages (the usual case): read with the chat, in one statement.
        [(window, (_, node_names))] = shapes.items()
        row, page = await chat_messages.read_chat_with_messages(
            info.context, str(id), window, columns=message_columns(node_names))
        node = Chat.from_row(row)
        await _prefetch(info, [row], [node], ITSELF, read={window: {row.id: page}})
        return node

    @strawberry.field(description="The caller's tags, by name.")
    async def tags(self, info: Info) -> list[Tag]:
        return [Tag.from_row(tag) for tag in await chat_tags.list_tags(info.context)]

    @strawberry.field(description="A chat someone shared by link (any approved account "
                                  "holding the share id). NOT_FOUND when not shared.")
    async def shared_chat(
        self, info: Info,
        share_id: Annotated[strawberry.ID, strawberry.argument(
            description="The id from the share link.")],
    ) -> SharedChat:
        return _shared(await chat_sharing.get_shared_chat(info.context, str(share_id)))
