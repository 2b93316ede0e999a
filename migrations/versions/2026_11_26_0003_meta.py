"""Facts Parley keeps about its database (the primary admin's id).

Revision ID: 0003_meta
Revises: 0002_revoked_tokens
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_meta"
down_revision = "0002_revoked_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parley_meta",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("parley_meta")
