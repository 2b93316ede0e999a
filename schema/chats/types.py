"""Chat, Message, Tag and Folder. Nested fields go through the unit of work's
dataloaders, so a page of chats with their owners, tags and messages costs a fixed
number of statements."""

import functools
from collections.abc import Callable, Collection
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from data.tables import ChatMessageRow, ChatRow, FolderRow, TagRow
from resolvers.chats import chats, messages
from resolvers.chats import limits as chat_limits
from resolvers.chats import tags as chat_tags
from resolvers.errors import DomainError, Invalid
from resolvers.files import attached
from schema.context import Info
from schema.execution import PREPARED
from schema.files.types import File
from schema.pagination import Connection, Edge, PageInfo, decode_cursor, encode_cursor
from schema.scalars import timestamp
from schema.users.types import User

DEFAULT_MESSAGES = 50


@strawberry.enum(description="Which messages of a chat a list walks.")
class MessageScope(Enum):
    BRANCH = strawberry.enum_value(
        "branch", description="The current branch: from the first message to the current "
                              "one, following parent links.")
    TREE = strawberry.enum_value(
        "tree", description="Every message of every branch, oldest first.")


@strawberry.enum(description="Where a message stands.")
class MessageStatus(Enum):
    STREAMING = strawberry.enum_value("streaming", description="Still being generated.")
    DONE = strawberry.enum_value("done", description="Complete.")
    STOPPED = strawberry.enum_value("stopped", description="Stopped on request before it "
                                                           "was complete; the content is "
                                                           "what had arrived.")
    INTERRUPTED = strawberry.enum_value("interrupted", description="Cut short by the server "
                                                                   "shutting down; the content "
                                                                   "is what had arrived.")
    FAILED = strawberry.enum_value("failed", description="Generation failed; see `error`. "
                                                         "The content is what had arrived.")


@strawberry.type(description="A label the owner put on chats.")
class Tag:
    id: strawberry.ID = strawberry.field(
        description="The tag's id: its name lower-cased, spaces as underscores.")
    name: str = strawberry.field(description="The name as the owner wrote it.")

    @classmethod
    def from_row(cls, row: TagRow) -> "Tag":
        return cls(id=strawberry.ID(row.id), name=row.name)


@strawberry.type(description="A folder of chats (Open WebUI's sidebar folders).")
class Folder:
    id: strawberry.ID = strawberry.field(description="The folder's id.")
    name: str = strawberry.field(description="The folder's name.")
    parent_id: strawberry.ID | None = strawberry.field(
        description="The folder it sits in, if any.")

    @classmethod
    def from_row(cls, row: FolderRow) -> "Folder":
        return cls(id=strawberry.ID(row.id), name=row.name,
                   parent_id=strawberry.ID(row.parent_id) if row.parent_id else None)


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content
                       if isinstance(block, dict) and block.get("type") == "text")
    return ""


@strawberry.type(description="One message of a chat: a node of its tree.")
class Message:
    id: strawberry.ID = strawberry.field(description="The message id, unique in its chat.")
    chat_id: strawberry.ID = strawberry.field(description="The chat it belongs to.")
    role: str = strawberry.field(description="user, assistant or system.")
    content: str = strawberry.field(
        description="The text (for block content, its text blocks joined).")
    content_blocks: JSON | None = strawberry.field(
        description="The content blocks as stored, when the content is not plain text.")
    model: str | None = strawberry.field(description="The model that wrote an answer.")
    parent_id: strawberry.ID | None = strawberry.field(
        description="The message this one follows; null for a first message.")
    status: MessageStatus = strawberry.field(
        description="Streaming, done, or how it ended early.")
    error: JSON | None = strawberry.field(description="Why generation failed, if it did.")
    file_items: JSON | None = strawberry.field(
        description="Attached files (and knowledge bases), as Open WebUI stores them.")
    sources: JSON | None = strawberry.field(
        description="An answer's citations, in Open WebUI's shape: one entry per document "
                    "it was grounded in, `{source: {type, id, name}, document: [passage], "
                    "metadata: [chunk metadata], distances: [score]}`.")
    usage: JSON | None = strawberry.field(description="Token usage reported for an answer.")
    created_at: datetime | None = strawberry.field(description="When it was written.")
    updated_at: datetime | None = strawberry.field(description="When it last changed.")

    @classmethod
    def from_row(cls, row: ChatMessageRow, fields: Collection[str] | None = None) -> "Message":
        """The message; with `fields` (the GraphQL names a query selects on it), only the
        costlier fields among them are built, the others left None for no one to read."""
        return message_builder(None if fields is None else frozenset(fields))(row)

    @strawberry.field(description="The files attached to the message that you may read "
                                  "(others are left out), in order.")
    async def files(self, info: Info) -> list[File]:
        rows = await attached.attached_files(info.context, self.file_items)
        return [File.from_row(row) for row in rows]

    @strawberry.field(description="The message this one follows.")
    async def parent(self, info: Info) -> "Message | None":
        parent_id = str(self.parent_id) if self.parent_id else None
        row = await messages.get_parent(info.context, str(self.chat_id), parent_id)
        return Message.from_row(row) if row else None

    @strawberry.field(description="The messages that follow this one, oldest first; more "
                                  "than one means alternatives (edits, regenerations).")
    async def children(self, info: Info) -> "list[Message]":
        rows = await messages.get_children(info.context, str(self.chat_id), str(self.id))
        return [Message.from_row(row) for row in rows]


MessageConnection = Connection[Message]
# Message's fields that cost something to build (JSON decoded, a status worked out):
# GraphQL name -> (attribute, how to read it from the row, the columns that reads).
_BUILT = {
    "content": ("content", lambda row: _text(row.content), ("content",)),
    "contentBlocks": ("content_blocks",
                      lambda row: row.content if isinstance(row.content, list) else None,
                      ("content",)),
    "model": ("model", lambda row: row.model_id, ("model_id",)),
    "status": ("status", lambda row: MessageStatus(messages.status_of(row)),
               ("done", "error", "status_history")),
    "error": ("error", lambda row: row.error or None, ("error",)),
    "fileItems": ("file_items", lambda row: row.files, ("files",)),
    "sources": ("sources", lambda row: row.sources or None, ("sources",)),
    "usage": ("usage", lambda row: row.usage, ("usage",)),
    "createdAt": ("created_at", lambda row: timestamp(row.created_at), ("created_at",)),
    "updatedAt": ("updated_at", lambda row: timestamp(row.updated_at), ("updated_at",)),
}
# What Message.from_row reads whatever the fields.
_ALWAYS_READ = ("id", "chat_id", "role", "parent_id")
# Fields resolved from another built field: `files` loads the rows `fileItems` names.
_READS_FROM = {"files": "fileItems"}


def _with_sources(fields: Collection[str]) -> set[str]:
    return set(fields) | {_READS_FROM[name] for name in fields if name in _READS_FROM}


@functools.cache
def message_builder(fields: frozenset[str] | None) -> Callable[[Any], Message]:
    """Message.from_row for these fields (None: all), made once per selection. A page
    builds 250 messages: through the dataclass's constructor and a dict of every costly
    field, that was a fifth of a page of 50 chats with five messages each; here each
    message is its attribute dict, filled with what is asked, on a bare instance."""
    wanted = None if fields is None else _with_sources(fields)
    built = tuple((name, read) for key, (name, read, _columns) in _BUILT.items()
                  if wanted is None or key in wanted)
    blank = dict.fromkeys(name for name, _read, _columns in _BUILT.values())
    new = object.__new__

    def build(row) -> Message:
        prefix, row_id = f"{row.chat_id}-", row.id
        values = blank.copy()
        values.update(id=row_id[len(prefix):] if row_id.startswith(prefix) else row_id,
                      chat_id=row.chat_id, role=row.role, parent_id=row.parent_id or None)
        for name, read in built:
            values[name] = read(row)
        message = new(Message)
        message.__dict__ = values
        return message
    return build


def message_columns(fields: Collection[str]) -> frozenset[str]:
    """The row attributes Message.from_row reads to build these fields: a prefetch reads
    only those columns (data/repos/messages.py)."""
    return frozenset(_ALWAYS_READ).union(
        *(_BUILT[name][2] for name in _with_sources(fields) if name in _BUILT))


@strawberry.type(description="A conversation and its settings. Its messages form a tree; "
                             "`messages` walks the current branch or the whole tree.")
class Chat:
    id: strawberry.ID = strawberry.field(description="The chat's UUID, as on REST.")
    title: str = strawberry.field(description="The title.")
    archived: bool = strawberry.field(description="Archived chats leave the main list.")
    pinned: bool = strawberry.field(description="Pinned to the top of the sidebar.")
    folder_id: strawberry.ID | None = strawberry.field(description="Its folder, if any.")
    share_id: str | None = strawberry.field(
        description="The share link's id while a snapshot is shared, else null.")
    current_message_id: strawberry.ID | None = strawberry.field(
        description="The end of the branch shown to the user.")
    meta: JSON = strawberry.field(description="Open WebUI's free-form chat metadata "
                                              "(`tags` holds the tag ids).")
    created_at: datetime = strawberry.field(description="When the chat was created.")
    updated_at: datetime = strawberry.field(description="When messages last changed.")
    # What a list read for this chat ahead of its nested fields (schema/prefetch.py):
    # "owner" -> the owner (a User, or None), a MessageWindow -> that MessageConnection.
    ready: strawberry.Private[dict | None] = None

    @classmethod
    def from_row(cls, row: ChatRow) -> "Chat":
        return cls(id=strawberry.ID(row.id), title=row.title or "", archived=bool(row.archived),
                   pinned=bool(row.pinned),
                   folder_id=strawberry.ID(row.folder_id) if row.folder_id else None,
                   share_id=row.share_id,
                   current_message_id=(strawberry.ID(row.current_message_id)
                                       if row.current_message_id else None),
                   meta=row.meta if isinstance(row.meta, dict) else {},
                   created_at=timestamp(row.created_at), updated_at=timestamp(row.updated_at))

    # `owner` and `messages` are plain functions: on a page a list prepared they answer
    # at once, and otherwise return a coroutine, which graphql-core awaits. Marked
    # PREPARED, schema/execution.py reads the same `ready` entries without calling them.
    @strawberry.field(description="Who the chat belongs to.",
                      metadata={PREPARED: lambda _arguments: "owner"})
    def owner(self, info: Info) -> User | None:
        if self.ready is not None and "owner" in self.ready:
            return self.ready["owner"]  # built once for every chat of the owner
        return self._owner(info)

    async def _owner(self, info: Info) -> User | None:
        row = await chats.get_chat_owner(info.context, str(self.id))
        return User.from_row(row) if row else None

    @strawberry.field(description="Its tags, in the order they were added.")
    async def tags(self, info: Info) -> list[Tag]:
        return [Tag.from_row(t) for t in await chat_tags.tags_of_chat(info.context, str(self.id))]

    @strawberry.field(description="The folder it is in, if any.")
    async def folder(self, info: Info) -> Folder | None:
        row = await chats.get_chat_folder(info.context, str(self.id))
        return Folder.from_row(row) if row else None

    @strawberry.field(description="One message by id.")
    async def message(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The message id.")],
    ) -> Message:
        return Message.from_row(await messages.get_message(info.context, str(self.id), str(id)))

    @strawberry.field(description="A page of messages: by default the current branch from "
                                  "its first message. `first`/`after` page from the start, "
                                  "`last`/`before` from the end.",
                      metadata={PREPARED: lambda arguments: _window_or_none(arguments)})
    def messages(
        self, info: Info,
        first: Annotated[int | None, strawberry.argument(
            description=f"Messages from the start, 0 to {chat_limits.MAX_MESSAGE_PAGE} "
                        f"(default {DEFAULT_MESSAGES}).")] = None,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor.")] = None,
        last: Annotated[int | None, strawberry.argument(
            description="Messages from the end instead.")] = None,
        before: Annotated[str | None, strawberry.argument(
            description="End before this cursor.")] = None,
        scope: Annotated[MessageScope, strawberry.argument(
            description="The current branch, or the whole tree.")] = MessageScope.BRANCH,
    ) -> MessageConnection:
        arguments = dict(first=first, after=after, last=last, before=before, scope=scope)
        if self.ready:
            ready = self.ready.get(_window_or_none(arguments))
            if ready is not None:
                return ready
        # Errors too are raised from the coroutine: raised here, they would end the
        # object's other fields while their coroutines were still pending.
        return self._messages(info, arguments)

    async def _messages(self, info: Info, arguments: dict) -> MessageConnection:
        window = window_of(**arguments)
        page = await messages.list_messages(info.context, str(self.id), window)
        return message_connection(f"messages-{window.scope}", page)


def _window_or_none(arguments: dict) -> messages.MessageWindow | None:
    try:
        return window_of(**arguments)
    except DomainError:
        return None


def window_of(*, first: int | None = None, after: str | None = None, last: int | None = None,
              before: str | None = None, scope: MessageScope | str = MessageScope.BRANCH
              ) -> messages.MessageWindow:
    """The window `Chat.messages` reads for these arguments (its own or, as graphql-core
    coerces them for a prefetch, with the scope's value); Invalid when they are."""
    value = scope.value if isinstance(scope, MessageScope) else str(scope)
    return message_window(f"messages-{value}", value, first, after, last, before)


def message_window(kind: str, scope: str, first: int | None, after: str | None,
                   last: int | None, before: str | None) -> messages.MessageWindow:
    if first is not None and last is not None:
        raise Invalid("Give first or last, not both.", reason="invalid_page", field="first")
    start = decode_cursor(kind, after) + 1 if after is not None else 0
    end = decode_cursor(kind, before) if before is not None else None
    if last is not None:
        chat_limits.page(last, chat_limits.MAX_MESSAGE_PAGE, "messages")
        if end is None:
            return messages.MessageWindow(scope=scope, from_end=True, limit=last)
        begin = max(start, end - last)
        return messages.MessageWindow(scope=scope, skip=begin, limit=max(0, end - begin))
    size = DEFAULT_MESSAGES if first is None else first
    chat_limits.page(size, chat_limits.MAX_MESSAGE_PAGE, "messages")
    if end is not None:
        size = max(0, min(size, end - start))
    return messages.MessageWindow(scope=scope, skip=start, limit=size)


def message_connection(kind: str, page, *, fields: Collection[str] | None = None,
                       with_edges: bool = True) -> MessageConnection:
    """The page as a connection; with `fields`, its messages built for those fields only
    (Message.from_row); edges only when asked for."""
    build = message_builder(None if fields is None else frozenset(fields))
    nodes = [build(row) for row in page.rows]
    edges = ([Edge(cursor=encode_cursor(kind, page.start + i), node=n)
              for i, n in enumerate(nodes)] if with_edges else [])
    return Connection(edges=edges, nodes=nodes, total_count=page.total, page_info=PageInfo(
        has_next_page=page.start + len(nodes) < page.total,
        has_previous_page=page.start > 0 if nodes else False,
        start_cursor=encode_cursor(kind, page.start) if nodes else None,
        end_cursor=encode_cursor(kind, page.start + len(nodes) - 1) if nodes else None))
