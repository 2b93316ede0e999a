"""Pipelines of our own (`parley_pipeline`) and their runs (`parley_pipeline_run`, each
step's record kept as JSON in the run's row: a run is read and written whole).

Revision ID: 0011_pipelines
Revises: 0010_model_history
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_pipelines"
down_revision = "0010_model_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parley_pipeline",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("parley_pipeline_user_idx", "parley_pipeline", ["user_id", "updated_at"])
    op.create_table(
        "parley_pipeline_run",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("pipeline_id", sa.Text(), nullable=False),
        sa.Column("pipeline_version", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
    )
    op.create_index("parley_pipeline_run_pipeline_idx", "parley_pipeline_run",
                    ["pipeline_id", "started_at"])


def downgrade() -> None:
    op.drop_index("parley_pipeline_run_pipeline_idx", table_name="parley_pipeline_run")
    op.drop_table("parley_pipeline_run")
    op.drop_index("parley_pipeline_user_idx", table_name="parley_pipeline")
    op.drop_table("parley_pipeline")
