from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.tables.base import Base


class UserRow(Base):
    __tablename__ = "user"
    __table_args__ = (
        Index("uq_user_email_lower", func.lower(text("email")), unique=True,
              sqlite_where=text("email IS NOT NULL"), postgresql_where=text("email IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    email: Mapped[str | None] = mapped_column(String)
    username: Mapped[str | None] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String, default="pending")
    name: Mapped[str] = mapped_column(String, nullable=False)
    profile_image_url: Mapped[str | None] = mapped_column(Text)
    profile_banner_image_url: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(Text)
    date_of_birth = mapped_column(Date, nullable=True)
    timezone: Mapped[str | None] = mapped_column(String)
    presence_state: Mapped[str | None] = mapped_column(String)
    status_emoji: Mapped[str | None] = mapped_column(String)
    status_message: Mapped[str | None] = mapped_column(Text)
    status_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    info = mapped_column(JSON, nullable=True)
    variables = mapped_column(JSON, nullable=True)
    settings = mapped_column(JSON, nullable=True)
    oauth = mapped_column(JSON, nullable=True)
    scim = mapped_column(JSON, nullable=True)
    last_active_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class AuthRow(Base):
    __tablename__ = "auth"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    email: Mapped[str | None] = mapped_column(String)
    password: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    mfa = mapped_column(JSON, nullable=True)
    session_stamp: Mapped[str | None] = mapped_column(Text)


class ApiKeyRow(Base):
    __tablename__ = "api_key"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text, ForeignKey("user.id", ondelete="CASCADE"),
                                         nullable=False)
    key: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    data = mapped_column(JSON, nullable=True)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)
    last_used_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ConfigRow(Base):
    __tablename__ = "config"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value = mapped_column(JSON, nullable=False)
    updated_at: Mapped[int | None] = mapped_column(BigInteger)


class GroupRow(Base):
    __tablename__ = "group"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    parent_group_id: Mapped[str | None] = mapped_column(
        Text, ForeignKey("group.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    data = mapped_column(JSON, nullable=True)
    meta = mapped_column(JSON, nullable=True)
    permissions = mapped_column(JSON, nullable=True)
    created_at: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[int | None] = mapped_column(BigInteger)


class GroupMemberRow(Base):
    __tablename__ = "group_member"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id", name="uq_group_member_group_user"),
        Index("idx_group_member_user_id_group_id", "user_id", "group_id"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    group_id: Mapped[str] = mapped_column(Text, ForeignKey("group.id", ondelete="CASCADE"),
                                          nullable=False)
    user_id: Mapped[str] = mapped_column(Text, ForeignKey("user.id", ondelete="CASCADE"),
                                         nullable=False)
    created_at: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[int | None] = mapped_column(BigInteger)


class AccessGrantRow(Base):
    __tablename__ = "access_grant"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id", "principal_type", "principal_id",
                         "permission", name="uq_access_grant_grant"),
        Index("idx_access_grant_resource", "resource_type", "resource_id"),
        Index("idx_access_grant_principal", "principal_type", "principal_id"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    resource_type: Mapped[str] = mapped_column(Text, nullable=False)
    resource_id: Mapped[str] = mapped_column(Text, nullable=False)
    principal_type: Mapped[str] = mapped_column(Text, nullable=False)
    principal_id: Mapped[str] = mapped_column(Text, nullable=False)
    permission: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
