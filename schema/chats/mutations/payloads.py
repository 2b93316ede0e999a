"""What chat mutations answer, and their result unions."""

from typing import Annotated

import strawberry

from schema.chats.errors import (
    ChatNotFound,
    FolderNotFound,
    InvalidChatInput,
    MessageIdTaken,
    MessageNotFound,
)
from schema.chats.types import Chat, Message


@strawberry.type(description="The chat after the change.")
class ChatPayload:
    chat: Chat = strawberry.field(description="The chat as it is now.")


@strawberry.type(description="The outcome of deleteChat.")
class DeleteChatPayload:
    deleted_chat_id: strawberry.ID = strawberry.field(description="The deleted chat.")


@strawberry.type(description="The message written, and its chat. (The field is not called "
                             "`message`, which failures use for their text.)")
class MessagePayload:
    chat_message: Message = strawberry.field(description="The added or changed message.")
    chat: Chat = strawberry.field(description="The chat as it is now.")


@strawberry.type(description="The outcome of deleteMessage.")
class DeleteMessagePayload:
    deleted_message_ids: list[strawberry.ID] = strawberry.field(
        description="The message and its direct children, all removed.")
    chat: Chat = strawberry.field(description="The chat as it is now.")


CreateChatResult = Annotated[ChatPayload | InvalidChatInput | FolderNotFound, strawberry.union(
    "CreateChatResult", description="The new chat, or why none was created.")]
UpdateChatResult = Annotated[
    ChatPayload | ChatNotFound | InvalidChatInput | FolderNotFound,
    strawberry.union("UpdateChatResult", description="The chat, or why it was not changed.")]
ChangeChatResult = Annotated[
    ChatPayload | ChatNotFound | MessageNotFound | InvalidChatInput,
    strawberry.union("ChangeChatResult", description="The chat, or why it was not changed.")]
DeleteChatResult = Annotated[DeleteChatPayload | ChatNotFound, strawberry.union(
    "DeleteChatResult", description="The deleted chat's id, or why nothing was deleted.")]
AddMessageResult = Annotated[
    MessagePayload | ChatNotFound | InvalidChatInput | MessageIdTaken,
    strawberry.union("AddMessageResult", description="The new message, or why none was "
                                                     "added.")]
EditMessageResult = Annotated[
    MessagePayload | ChatNotFound | MessageNotFound | InvalidChatInput,
    strawberry.union("EditMessageResult", description="The changed message, or why it was "
                                                      "not changed.")]
DeleteMessageResult = Annotated[
    DeleteMessagePayload | ChatNotFound | MessageNotFound,
    strawberry.union("DeleteMessageResult", description="What was removed, or why nothing "
                                                        "was.")]
