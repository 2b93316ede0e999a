from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.tables.base import Base, JSONText


class FileRow(Base):
    __tablename__ = "file"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, index=True)
    hash: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    data = mapped_column(JSON, nullable=True)
    meta = mapped_column(JSON, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class KnowledgeRow(Base):
    __tablename__ = "knowledge"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    meta = mapped_column(JSON, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class KnowledgeFileRow(Base):
    __tablename__ = "knowledge_file"
    __table_args__ = (
        UniqueConstraint("knowledge_id", "file_id", name="uq_knowledge_file_knowledge_file"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    knowledge_id: Mapped[str] = mapped_column(
        Text, ForeignKey("knowledge.id", ondelete="CASCADE"), nullable=False)
    file_id: Mapped[str] = mapped_column(Text, ForeignKey("file.id", ondelete="CASCADE"),
                                         nullable=False)
    directory_id: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class MemoryRow(Base):
    __tablename__ = "memory"
    __table_args__ = (Index("ix_memory_id_user_id", "id", "user_id"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, index=True)
    type: Mapped[str] = mapped_column(String, default="context", server_default="context",
                                      index=True)
    path: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    meta = mapped_column(JSON, nullable=True)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class ModelRow(Base):
    __tablename__ = "model"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text)
    base_model_id: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    params = mapped_column(JSONText)
    meta = mapped_column(JSONText)
    version_id: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True,
                                            server_default=true())
    updated_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class ModelHistoryRow(Base):
    """Open WebUI's snapshots of a model's configuration, one per saved version; the `model`
    row is the version in use (its `version_id`)."""

    __tablename__ = "model_history"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    model_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    parent_id: Mapped[str | None] = mapped_column(Text)
    snapshot = mapped_column(JSON, nullable=False)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    commit_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class FunctionRow(Base):
    __tablename__ = "function"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    version_id: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(String, index=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[str | None] = mapped_column(Text)
    meta = mapped_column(JSONText, nullable=True)
    valves = mapped_column(JSONText, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    is_global: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class FunctionHistoryRow(Base):
    """Open WebUI's snapshot of a function at each create and update."""

    __tablename__ = "function_history"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    function_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    parent_id: Mapped[str | None] = mapped_column(Text)
    snapshot = mapped_column(JSON, nullable=False)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    commit_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    type: Mapped[str] = mapped_column(Text)
    data = mapped_column(JSON, nullable=True)
    meta = mapped_column(JSON, nullable=True)
    snapshot = mapped_column(JSON, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)
