from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.tables.base import Base


class ChatRow(Base):
    __tablename__ = "chat"
    __table_args__ = (
        Index("folder_id_idx", "folder_id"),
        Index("user_id_pinned_idx", "user_id", "pinned"),
        Index("user_id_archived_idx", "user_id", "archived"),
        Index("updated_at_user_id_idx", "updated_at", "user_id"),
        Index("folder_id_user_id_idx", "folder_id", "user_id"),
        Index("user_id_updated_at_id_idx", "user_id", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    chat = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[int] = mapped_column(BigInteger, index=True)
    share_id: Mapped[str | None] = mapped_column(Text, unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool | None] = mapped_column(Boolean, default=False)
    meta = mapped_column(JSON, nullable=False, server_default=text("'{}'"), default=dict)
    variables = mapped_column(JSON, nullable=True)
    folder_id: Mapped[str | None] = mapped_column(Text)
    tasks = mapped_column(JSON, nullable=True)
    summary: Mapped[str | None] = mapped_column(Text)
    current_message_id: Mapped[str | None] = mapped_column(Text)
    last_read_at: Mapped[int | None] = mapped_column(BigInteger)
    timer_at: Mapped[int | None] = mapped_column(BigInteger)


class ChatMessageRow(Base):
    __tablename__ = "chat_message"
    __table_args__ = (
        Index("chat_message_chat_parent_idx", "chat_id", "parent_id"),
        Index("chat_message_model_created_idx", "model_id", "created_at"),
        Index("chat_message_user_created_idx", "user_id", "created_at"),
        Index("chat_message_chat_role_done_idx", "chat_id", "role", "done"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    chat_id: Mapped[str] = mapped_column(Text, ForeignKey("chat.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    user_id: Mapped[str | None] = mapped_column(Text, index=True)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    parent_id: Mapped[str | None] = mapped_column(Text)
    content = mapped_column(JSON, nullable=True)
    output = mapped_column(JSON, nullable=True)
    model_id: Mapped[str | None] = mapped_column(Text, index=True)
    files = mapped_column(JSON, nullable=True)
    sources = mapped_column(JSON, nullable=True)
    embeds = mapped_column(JSON, nullable=True)
    meta = mapped_column(JSON, nullable=True)
    done: Mapped[bool | None] = mapped_column(Boolean, default=True)
    status_history = mapped_column(JSON, nullable=True)
    error = mapped_column(JSON, nullable=True)
    usage = mapped_column(JSON, nullable=True)
    context_summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int | None] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[int | None] = mapped_column(BigInteger)


class ChatFileRow(Base):
    __tablename__ = "chat_file"
    __table_args__ = (UniqueConstraint("chat_id", "file_id", name="uq_chat_file_chat_file"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    chat_id: Mapped[str] = mapped_column(Text, ForeignKey("chat.id", ondelete="CASCADE"),
                                         nullable=False)
    message_id: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str] = mapped_column(Text, ForeignKey("file.id", ondelete="CASCADE"),
                                         nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class SharedChatRow(Base):
    __tablename__ = "shared_chat"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    chat_id: Mapped[str] = mapped_column(Text, ForeignKey("chat.id", ondelete="CASCADE"),
                                         nullable=False)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str | None] = mapped_column(Text)
    chat = mapped_column(JSON, nullable=True)
    created_at: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[int | None] = mapped_column(BigInteger)


class TagRow(Base):
    __tablename__ = "tag"
    __table_args__ = (PrimaryKeyConstraint("id", "user_id", name="pk_id_user_id"),)

    id: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String, index=True)
    user_id: Mapped[str] = mapped_column(String, index=True)
    meta = mapped_column(JSON, nullable=True)


class FolderRow(Base):
    __tablename__ = "folder"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    items = mapped_column(JSON, nullable=True)
    meta = mapped_column(JSON, nullable=True)
    data = mapped_column(JSON, nullable=True)
    is_expanded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)
