"""Changing chats: create, update, delete, archive, pin, tag, share. Each runs in one
transaction; an expected failure comes back as a union member with nothing written."""

from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from resolvers.chats import chats
from resolvers.chats import limits as chat_limits
from resolvers.chats import sharing as chat_sharing
from resolvers.chats import tags as chat_tags
from resolvers.errors import DomainError
from schema.chats.errors import ChatNotFound, FolderNotFound, InvalidChatInput, MessageNotFound
from schema.chats.mutations.payloads import (
    ChangeChatResult,
    ChatPayload,
    CreateChatResult,
    DeleteChatPayload,
    DeleteChatResult,
    UpdateChatResult,
)
from schema.chats.types import Chat
from schema.context import Info
from schema.errors import expected


@strawberry.input(description="A new, empty chat.")
class CreateChatInput:
    title: str | None = strawberry.field(default=None,
                                         description="The title (default: New Chat).")
    folder_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of the caller's folders.")
    pinned: bool = strawberry.field(default=False, description="Pin it to the top.")
    tags: list[str] = strawberry.field(default_factory=list, description="Tag names.")


@strawberry.input(description="Changes to a chat; fields left out keep their value.")
class UpdateChatInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    title: str | None = strawberry.field(default=None, description="A new title.")
    folder_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Move it into one of the caller's folders; null takes it "
                                   "out of its folder.")


@strawberry.input(description="Which chat.")
class ChatIdInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")


@strawberry.input(description="Archive or restore a chat.")
class ArchiveChatInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    archived: bool = strawberry.field(default=True, description="Archive (true) or restore.")


@strawberry.input(description="Pin or unpin a chat.")
class PinChatInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    pinned: bool = strawberry.field(default=True, description="Pin (true) or unpin.")


@strawberry.input(description="A tag on a chat.")
class TagChatInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    name: str = strawberry.field(description=f"The tag's name, 1 to "
                                             f"{chat_limits.MAX_TAG_CHARS} characters.")


def _arg(kind, description: str):
    return Annotated[kind, strawberry.argument(description=description)]


def _payload(row) -> ChatPayload:
    return ChatPayload(chat=Chat.from_row(row))


@strawberry.type
class ChatMutations:
    @strawberry.mutation(description="Create a chat for the caller. Publishes chat.created.")
    async def create_chat(self, info: Info,
                          input: _arg(CreateChatInput, "The new chat.")) -> CreateChatResult:
        ctx = info.context
        try:
            row = await chats.create_chat(ctx, chats.ChatCreate(
                title=input.title, pinned=input.pinned,
                folder_id=str(input.folder_id) if input.folder_id else None))
            for name in input.tags:
                await chat_tags.tag_chat(ctx, row.id, name)
        except DomainError as error:
            return expected(ctx, error, InvalidChatInput, FolderNotFound)
        return _payload(row)

    @strawberry.mutation(description="Rename a chat or move it between folders (its owner "
                                     "only). Publishes chat.updated.")
    async def update_chat(self, info: Info,
                          input: _arg(UpdateChatInput, "The chat and its changes.")
                          ) -> UpdateChatResult:
        ctx = info.context
        folder = (chats.UNCHANGED if input.folder_id is UNSET
                  else str(input.folder_id) if input.folder_id else None)
        try:
            row = await chats.update_chat(ctx, str(input.chat_id),
                                          chats.ChatUpdate(title=input.title, folder_id=folder))
        except DomainError as error:
            return expected(ctx, error, ChatNotFound, InvalidChatInput, FolderNotFound)
        return _payload(row)

    @strawberry.mutation(description="Delete a chat with its messages (its owner, or an "
                                     "administrator with chat access). Publishes "
                                     "chat.deleted.")
    async def delete_chat(self, info: Info,
                          input: _arg(ChatIdInput, "The chat.")) -> DeleteChatResult:
        ctx = info.context
        try:
            await chats.delete_chat(ctx, str(input.chat_id))
        except DomainError as error:
            return expected(ctx, error, ChatNotFound)
        return DeleteChatPayload(deleted_chat_id=input.chat_id)

    @strawberry.mutation(description="Archive or restore a chat (its owner only); archiving "
                                     "takes it out of its folder. Publishes chat.updated.")
    async def archive_chat(self, info: Info,
                           input: _arg(ArchiveChatInput, "The chat.")) -> ChangeChatResult:
        return await _change(info, chats.set_archived, str(input.chat_id), input.archived)

    @strawberry.mutation(description="Pin or unpin a chat (its owner only). Publishes "
                                     "chat.updated.")
    async def pin_chat(self, info: Info, input: _arg(PinChatInput, "The chat.")
                       ) -> ChangeChatResult:
        return await _change(info, chats.set_pinned, str(input.chat_id), input.pinned)

    @strawberry.mutation(description="Add a tag to a chat (its owner only). Publishes "
                                     "chat.updated.")
    async def tag_chat(self, info: Info, input: _arg(TagChatInput, "The chat and tag.")
                       ) -> ChangeChatResult:
        return await _change(info, _retag(chat_tags.tag_chat), str(input.chat_id), input.name)

    @strawberry.mutation(description="Remove a tag from a chat (its owner only). Publishes "
                                     "chat.updated.")
    async def untag_chat(self, info: Info, input: _arg(TagChatInput, "The chat and tag.")
                         ) -> ChangeChatResult:
        return await _change(info, _retag(chat_tags.untag_chat), str(input.chat_id),
                             input.name)

    @strawberry.mutation(description="Share a snapshot of a chat by link, or refresh the "
                                     "snapshot (its owner only); the link is "
                                     "`chat.shareId`. Publishes chat.updated.")
    async def share_chat(self, info: Info, input: _arg(ChatIdInput, "The chat.")
                         ) -> ChangeChatResult:
        return await _change(info, chat_sharing.share_chat, str(input.chat_id))

    @strawberry.mutation(description="Stop sharing a chat: its link stops working (its "
                                     "owner only). Publishes chat.updated.")
    async def unshare_chat(self, info: Info, input: _arg(ChatIdInput, "The chat.")
                           ) -> ChangeChatResult:
        return await _change(info, _unshared, str(input.chat_id))


async def _change(info: Info, resolver, *args) -> ChangeChatResult:
    ctx = info.context
    try:
        row = await resolver(ctx, *args)
    except DomainError as error:
        return expected(ctx, error, ChatNotFound, MessageNotFound, InvalidChatInput)
    return _payload(row)


def _retag(change):
    async def retag(ctx, chat_id: str, name: str):
        await change(ctx, chat_id, name)
        return await chats.get_chat_summary(ctx, chat_id)
    return retag


async def _unshared(ctx, chat_id: str):
    await chat_sharing.unshare_chat(ctx, chat_id)
    return await chats.get_chat_summary(ctx, chat_id)
