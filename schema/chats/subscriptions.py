"""Following a chat as it changes."""

from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.chats import events as chat_events
from schema.context import Info


@strawberry.enum(description="What happened to a chat.")
class ChatEventKind(Enum):
    CHAT_CREATED = strawberry.enum_value(chat_events.CHAT_CREATED,
                                         description="The chat was created.")
    CHAT_UPDATED = strawberry.enum_value(
        chat_events.CHAT_UPDATED, description="Its title, tags, folder, flags, sharing or "
                                              "current branch changed.")
    CHAT_DELETED = strawberry.enum_value(chat_events.CHAT_DELETED,
                                         description="It was deleted; the stream ends.")
    MESSAGE_ADDED = strawberry.enum_value(chat_events.MESSAGE_ADDED,
                                          description="A message was added.")
    MESSAGE_UPDATED = strawberry.enum_value(chat_events.MESSAGE_UPDATED,
                                            description="A message changed.")
    MESSAGE_DELETED = strawberry.enum_value(
        chat_events.MESSAGE_DELETED, description="A message (and its direct answers) went.")
    MESSAGE_EVENT = strawberry.enum_value(
        chat_events.MESSAGE_EVENT, description="A client's event about a message "
                                               "(sendMessageEvent): see type and data.")


@strawberry.type(description="A change to a chat. Events carry ids only: read the chat or "
                             "message to see what it is now.")
class ChatEvent:
    kind: ChatEventKind = strawberry.field(description="What happened.")
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    message_id: strawberry.ID | None = strawberry.field(
        description="The message concerned, for message events.")
    type: str | None = strawberry.field(default=None,
                                        description="For MESSAGE_EVENT: the event's type.")
    data: JSON | None = strawberry.field(default=None,
                                         description="For MESSAGE_EVENT: the event's data.")


@strawberry.type
class ChatSubscriptions:
    @strawberry.subscription(description="Changes to one of the caller's chats as they "
                                         "happen, from any tab or server instance (the "
                                         "chat's owner only; NOT_FOUND otherwise).")
    async def chat_events(
        self, info: Info,
        chat_id: Annotated[strawberry.ID, strawberry.argument(description="The chat.")],
    ) -> AsyncGenerator[ChatEvent, None]:
        async for event in chat_events.follow_chat(info.context, str(chat_id)):
            message_id = event.get("message_id")
            yield ChatEvent(kind=ChatEventKind(event["kind"]),
                            chat_id=strawberry.ID(event["chat_id"]),
                            message_id=strawberry.ID(message_id) if message_id else None,
                            type=event.get("type"), data=event.get("data"))
