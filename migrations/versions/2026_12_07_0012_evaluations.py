"""Evaluation sets of our own: `parley_evaluation`, its cases and its results.

Revision ID: 0012_evaluations
Revises: 0011_pipelines
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_evaluations"
down_revision = "0011_pipelines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parley_evaluation",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("judge_model", sa.Text()),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.Column("run_started_at", sa.BigInteger()),
        sa.Column("run_ended_at", sa.BigInteger()),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("parley_evaluation_user_idx", "parley_evaluation",
                    ["user_id", "created_at"])
    op.create_table(
        "parley_evaluation_case",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("evaluation_id", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("scorer", sa.Text(), nullable=False),
        sa.Column("expected", sa.JSON()),
        sa.Column("options", sa.JSON()),
    )
    op.create_index("parley_evaluation_case_idx", "parley_evaluation_case",
                    ["evaluation_id", "position"], unique=True)
    op.create_table(
        "parley_evaluation_result",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("evaluation_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.Column("latency_ms", sa.BigInteger(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    # One result per case and model: what lets a run resume without scoring twice.
    op.create_index("parley_evaluation_result_pair_idx", "parley_evaluation_result",
                    ["case_id", "model"], unique=True)
    op.create_index("parley_evaluation_result_eval_idx", "parley_evaluation_result",
                    ["evaluation_id"])


def downgrade() -> None:
    for table in ("parley_evaluation_result", "parley_evaluation_case", "parley_evaluation"):
        op.drop_table(table)
