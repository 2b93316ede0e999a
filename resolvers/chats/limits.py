"""Limits on what a chat may hold, checked by every surface through the resolvers.

They are generous on purpose: a 10 MB conversation must work, and Open WebUI's web client
sends the whole chat in one request body (MAX_BODY_SIZE, 32 MB by default).
"""

from __future__ import annotations

import json
from typing import Any

from resolvers.errors import Invalid

MAX_TITLE_CHARS = 1_000
MAX_MESSAGE_ID_CHARS = 128
MAX_ROLE_CHARS = 32
MAX_MESSAGE_CHARS = 4 * 1024 * 1024  # one message's content, serialised
MAX_CHAT_CHARS = 24 * 1024 * 1024  # the whole stored chat (its JSON tree), serialised
MAX_MESSAGES_PER_CHAT = 10_000
MAX_TAG_CHARS = 100
MAX_TAGS_PER_CHAT = 50
MAX_CHAT_PAGE = 200  # chats in one GraphQL page
MAX_MESSAGE_PAGE = 200  # messages in one page (GraphQL and REST)
OPEN_WEBUI_PAGE = 60  # Open WebUI's page size for chat lists


def title(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_TITLE_CHARS:
        raise Invalid(f"A chat title has at most {MAX_TITLE_CHARS} characters.",
                      reason="title_too_long", field="title")
    return value or "New Chat"


def message_id(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_MESSAGE_ID_CHARS:
        raise Invalid(f"A message id is a string of 1 to {MAX_MESSAGE_ID_CHARS} characters.",
                      reason="invalid_message_id", field="message_id")
    return value


def role(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ROLE_CHARS:
        raise Invalid(f"A message role is a string of 1 to {MAX_ROLE_CHARS} characters "
                      "(user, assistant, system).", reason="invalid_role", field="role")
    return value


def serialised_chars(value: Any) -> int:
    if isinstance(value, str):
        return len(value) + 2
    return len(json.dumps(value, separators=(",", ":")))


def message_content(value: Any) -> Any:
    if value is not None and not isinstance(value, str | list):
        raise Invalid("Message content is a string or a list of content blocks.",
                      reason="invalid_content", field="content")
    if serialised_chars(value) > MAX_MESSAGE_CHARS:
        raise Invalid(f"A message's content has at most {MAX_MESSAGE_CHARS} characters.",
                      reason="message_too_large", field="content")
    return value


def chat_size(chars: int) -> None:
    if chars > MAX_CHAT_CHARS:
        raise Invalid(f"A chat holds at most {MAX_CHAT_CHARS} characters of messages and "
                      "settings; start a new chat.", reason="chat_too_large", field="chat")


def message_count(count: int) -> None:
    if count > MAX_MESSAGES_PER_CHAT:
        raise Invalid(f"A chat holds at most {MAX_MESSAGES_PER_CHAT} messages.",
                      reason="too_many_messages", field="chat")


def tag_name(value: str) -> tuple[str, str]:
    """(tag id, display name): Open WebUI's id is the name lower-cased, spaces as `_`."""
    name = value.strip()
    tag_id = name.replace(" ", "_").lower()
    if not name or len(name) > MAX_TAG_CHARS:
        raise Invalid(f"A tag name has 1 to {MAX_TAG_CHARS} characters.",
                      reason="invalid_tag", field="name")
    if tag_id == "none":
        raise Invalid("Tag name cannot be 'None'", reason="invalid_tag", field="name")
    return tag_id, name


def message_window(window) -> None:
    """A window of messages (data/repos/messages.py MessageWindow) pages may read."""
    if window.scope not in ("branch", "tree"):
        raise Invalid("scope is branch or tree.", reason="invalid_scope", field="scope")
    page(window.limit, MAX_MESSAGE_PAGE, "messages")


def page(first: int, limit: int, what: str) -> int:
    if not 0 <= first <= limit:
        raise Invalid(f"Pages hold 0 to {limit} {what}.", reason="invalid_page", field="first")
    return first
