"""Chunks of uploaded files' text (parley_file_chunk), cut as Open WebUI cuts them.

No foreign key to `file`: SQLite runs with foreign keys off (as Open WebUI's does), so the
repository deletes a file's chunks itself on both databases alike.

Revision ID: 0007_file_chunks
Revises: 0006_vectors
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_file_chunks"
down_revision = "0006_vectors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parley_file_chunk",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("chunk_index", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("parley_file_chunk_file_idx", "parley_file_chunk",
                    ["file_id", "chunk_index"], unique=True)


def downgrade() -> None:
    op.drop_table("parley_file_chunk")
