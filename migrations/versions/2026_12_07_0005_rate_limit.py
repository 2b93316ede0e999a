"""Rate-limit counters shared by every instance on the database (sign-in attempts
without Redis).

Revision ID: 0005_rate_limit
Revises: 0004_backfill_chat_messages
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_rate_limit"
down_revision = "0004_backfill_chat_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parley_rate_limit",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("parley_rate_limit_expires_idx", "parley_rate_limit", ["expires_at"])


def downgrade() -> None:
    op.drop_table("parley_rate_limit")
