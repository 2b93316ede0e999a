"""Open WebUI 0.12.4's tables that Parley uses, on a database that lacks them.

On an Open WebUI database at its 0.12.4 head they all exist and nothing happens. Parley
never alters an Open WebUI table, so the ORM definitions of these tables are their frozen
0.12.4 schema and can serve as this migration's source.

Revision ID: 0001_openwebui_tables
Revises:
Create Date: 2026-11-26
"""

from alembic import op

from data.tables import Base

revision = "0001_openwebui_tables"
down_revision = None
branch_labels = None
depends_on = None

OPENWEBUI_TABLES = (
    "user", "auth", "api_key", "config", "group", "group_member", "access_grant",
    "chat", "chat_message", "chat_file", "shared_chat", "tag", "folder",
    "file", "knowledge", "knowledge_file", "memory", "model", "function", "feedback",
)


def upgrade() -> None:
    tables = [Base.metadata.tables[name] for name in OPENWEBUI_TABLES]
    Base.metadata.create_all(op.get_bind(), tables=tables, checkfirst=True)


def downgrade() -> None:
    raise RuntimeError("Open WebUI's tables are never dropped by Parley")
