"""Signed-out tokens, shared by every instance on the database (revocation without Redis).

Revision ID: 0002_revoked_tokens
Revises: 0001_openwebui_tables
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_revoked_tokens"
down_revision = "0001_openwebui_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parley_revoked_token",
        sa.Column("jti", sa.Text(), primary_key=True),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("parley_revoked_token_expires_idx", "parley_revoked_token", ["expires_at"])


def downgrade() -> None:
    op.drop_table("parley_revoked_token")
