"""Leases on runs: the instance running a pipeline run or an evaluation run
(`lease_owner`) and when it last said it still does (`heartbeat_at`, ms), so that another
instance can tell a run whose process died from one still under way.

Both tables are ours (an Open WebUI database has neither). Rows already `running` get no
lease: they were left by servers that had none, and are taken as orphaned.

Revision ID: 0013_run_leases
Revises: 0012_evaluations
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_run_leases"
down_revision = "0012_evaluations"
branch_labels = None
depends_on = None

TABLES = ("parley_pipeline_run", "parley_evaluation")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("lease_owner", sa.Text(), nullable=True))
        op.add_column(table, sa.Column("heartbeat_at", sa.BigInteger(), nullable=True))
    # Every instance's sweep looks for running runs among every run ever made.
    op.create_index("parley_pipeline_run_status_idx", "parley_pipeline_run", ["status"])
    op.create_index("parley_evaluation_status_idx", "parley_evaluation", ["status"])


def downgrade() -> None:
    op.drop_index("parley_evaluation_status_idx", table_name="parley_evaluation")
    op.drop_index("parley_pipeline_run_status_idx", table_name="parley_pipeline_run")
    for table in TABLES:
        # Batch mode: SQLite rebuilds the table where it cannot drop a column in place.
        with op.batch_alter_table(table) as batch:
            batch.drop_column("heartbeat_at")
            batch.drop_column("lease_owner")
