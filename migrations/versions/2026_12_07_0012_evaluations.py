"""Evaluation sets of our own: `parley_evaluation`, its cases and its results.

Revision ID: 0012_evaluations
Revises: 0010_model_history
Create Date: 2026-12-07
"""

from alembic import op

from data.tables import Base

revision = "0012_evaluations"
down_revision = "0010_model_history"
branch_labels = None
depends_on = None

TABLES = ("parley_evaluation", "parley_evaluation_case", "parley_evaluation_result")


def upgrade() -> None:
    # New tables of ours: the ORM classes are their schema at this revision.
    Base.metadata.create_all(op.get_bind(), tables=[Base.metadata.tables[t] for t in TABLES])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
