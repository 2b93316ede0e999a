"""Progress of an unfinished re-index (`python -m cli reindex`): which files and
knowledge bases it has written into the vector store, for which store and embedding
model, so that a stopped run resumes where it stopped.

Revision ID: 0008_reindex_progress
Revises: 0007_file_chunks
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_reindex_progress"
down_revision = "0007_file_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parley_reindex_progress",
        sa.Column("target", sa.Text(), primary_key=True),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("chunks", sa.BigInteger(), nullable=False),
        sa.Column("done_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("parley_reindex_progress")
