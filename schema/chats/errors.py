"""The failures chat mutations return as union members."""

from typing import ClassVar

import strawberry

from resolvers.errors import DomainError
from schema.errors import MutationError, camel


@strawberry.type(description="No such chat, or not one the caller may change.")
class ChatNotFound(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"chat_not_found"})


@strawberry.type(description="No such message in this chat.")
class MessageNotFound(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"message_not_found"})


@strawberry.type(description="No such folder among the caller's.")
class FolderNotFound(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"folder_not_found"})


@strawberry.type(description="The chat already has a message with this id.")
class MessageIdTaken(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"message_id_taken"})


@strawberry.type(description="The input breaks a rule of chats: a limit (title, content, "
                             "size, count), a malformed tree, an unknown parent, a bad tag.")
class InvalidChatInput(MutationError):
    field: str | None = strawberry.field(description="The input field to blame, if one is.")
    reasons: ClassVar[frozenset[str]] = frozenset({
        "title_too_long", "invalid_message_id", "invalid_role", "invalid_content",
        "message_too_large", "chat_too_large", "too_many_messages", "invalid_tag",
        "too_many_tags", "invalid_tree", "parent_not_found", "nothing_to_change",
        "voice_too_large", "not_a_question"})

    @classmethod
    def from_error(cls, error: DomainError) -> MutationError:
        return cls(message=error.message, code=error.code,
                   field=camel(error.field) if error.field else None)


CHAT_FAILURES = (ChatNotFound, MessageNotFound, FolderNotFound, MessageIdTaken,
                 InvalidChatInput)
