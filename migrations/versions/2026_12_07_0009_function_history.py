"""Open WebUI 0.12.4's `function_history` (a snapshot of a function at each create and
update), on a database that lacks it. On an Open WebUI database it exists and nothing
happens; its ORM definition is the frozen 0.12.4 schema, as in 0001.

Revision ID: 0009_function_history
Revises: 0008_reindex_progress
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from data.tables import Base

revision = "0009_function_history"
down_revision = "0008_reindex_progress"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = Base.metadata.tables["function_history"]
    Base.metadata.create_all(op.get_bind(), tables=[table], checkfirst=True)


def downgrade() -> None:
    """Drop the table only where Parley made it: in an Open WebUI database (it has
    `alembic_version`) the table and its history are Open WebUI's."""
    bind = op.get_bind()
    if "alembic_version" not in sa.inspect(bind).get_table_names():
        op.drop_table("function_history")
