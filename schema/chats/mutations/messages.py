"""Writing messages: add (a reply, an edit's new branch, a regenerated answer), edit in
place, delete, and switch the branch shown. Each writes `chat.chat` and `chat_message`
together, in one transaction."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from resolvers.chats import messages
from resolvers.errors import DomainError
from schema.chats.errors import ChatNotFound, InvalidChatInput, MessageIdTaken, MessageNotFound
from schema.chats.mutations.payloads import (
    AddMessageResult,
    ChangeChatResult,
    ChatPayload,
    DeleteMessagePayload,
    DeleteMessageResult,
    EditMessageResult,
    MessagePayload,
)
from schema.chats.types import Chat, Message
from schema.context import Info
from schema.errors import expected
from schema.files.inputs import FileRefInput


@strawberry.input(description="A new message. Left without `parentId` it answers the "
                              "current message; with the parent of an existing message it "
                              "starts a new branch beside it (an edit, a regenerated "
                              "answer). It becomes the current message.")
class AddMessageInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    content: str = strawberry.field(description="The text.")
    role: str = strawberry.field(default="user", description="user, assistant or system.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The message it follows; null starts a new first "
                                   "message.")
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A message id of the client's choosing (default: a new "
                                  "UUID).")
    model: str | None = strawberry.field(default=None, description="The model, for answers.")
    done: bool = strawberry.field(default=True, description="False while still streaming.")
    files: list[FileRefInput] | None = strawberry.field(
        default=None, description="Files attached to it (each one you may read).")


@strawberry.input(description="Changes to a message in place; fields left out keep their "
                              "value. Its branch becomes the current one.")
class EditMessageInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    message_id: strawberry.ID = strawberry.field(description="The message.")
    content: str | None = strawberry.field(default=None, description="New text.")
    done: bool | None = strawberry.field(default=None, description="Whether it is complete.")
    model: str | None = strawberry.field(default=None, description="The model.")
    usage: JSON | None = strawberry.field(default=None, description="Token usage.")
    error: JSON | None = strawberry.field(default=None, description="Why generation failed.")


@strawberry.input(description="A message of a chat.")
class MessageRefInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    message_id: strawberry.ID = strawberry.field(description="The message.")


def _arg(kind, description: str):
    return Annotated[kind, strawberry.argument(description=description)]


@strawberry.type
class MessageMutations:
    @strawberry.mutation(description="Add a message (the chat's owner, or an administrator "
                                     "with chat access). Publishes message.added.")
    async def add_message(self, info: Info, input: _arg(AddMessageInput, "The message.")
                          ) -> AddMessageResult:
        ctx = info.context
        parent = None if input.parent_id in (UNSET, None) else str(input.parent_id)
        data = messages.MessageCreate(
            content=input.content, role=input.role, parent_id=parent,
            as_root=input.parent_id is None, model=input.model, done=input.done,
            message_id=str(input.id) if input.id else None,
            extra={"files": [f.to_item() for f in input.files]} if input.files else {})
        try:
            change = await messages.add_message(ctx, str(input.chat_id), data)
        except DomainError as error:
            return expected(ctx, error, ChatNotFound, InvalidChatInput, MessageIdTaken)
        return MessagePayload(chat_message=Message.from_row(change.message),
                              chat=Chat.from_row(change.chat))

    @strawberry.mutation(description="Change a message in place (as addMessage may). "
                                     "Publishes message.updated.")
    async def edit_message(self, info: Info, input: _arg(EditMessageInput, "The changes.")
                           ) -> EditMessageResult:
        ctx = info.context
        edit = messages.MessageEdit(content=input.content, done=input.done, model=input.model,
                                    usage=input.usage, error=input.error)
        try:
            change = await messages.edit_message(ctx, str(input.chat_id),
                                                 str(input.message_id), edit)
        except DomainError as error:
            return expected(ctx, error, ChatNotFound, MessageNotFound, InvalidChatInput)
        return MessagePayload(chat_message=Message.from_row(change.message),
                              chat=Chat.from_row(change.chat))

    @strawberry.mutation(description="Delete a message and its direct answers; what followed "
                                     "them moves up to its parent (as addMessage may). "
                                     "Publishes message.deleted.")
    async def delete_message(self, info: Info, input: _arg(MessageRefInput, "The message.")
                             ) -> DeleteMessageResult:
        ctx = info.context
        try:
            change = await messages.delete_message(ctx, str(input.chat_id),
                                                   str(input.message_id))
        except DomainError as error:
            return expected(ctx, error, ChatNotFound, MessageNotFound)
        return DeleteMessagePayload(deleted_message_ids=[strawberry.ID(m)
                                                         for m in change.removed],
                                    chat=Chat.from_row(change.chat))

    @strawberry.mutation(description="Show the branch through a message, down to its newest "
                                     "answer (as addMessage may). Publishes chat.updated.")
    async def switch_branch(self, info: Info, input: _arg(MessageRefInput, "The message.")
                            ) -> ChangeChatResult:
        ctx = info.context
        try:
            row = await messages.switch_branch(ctx, str(input.chat_id), str(input.message_id))
        except DomainError as error:
            return expected(ctx, error, ChatNotFound, MessageNotFound, InvalidChatInput)
        return ChatPayload(chat=Chat.from_row(row))

