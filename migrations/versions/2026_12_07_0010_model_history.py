"""Open WebUI 0.12.4's `model_history`, on a database that lacks it.

An Open WebUI database at its 0.12.4 head already has the table and nothing happens; a
Parley database gets it exactly as Open WebUI defines it (the ORM class is its frozen
schema, as in 0001), so Open WebUI opening the database later finds what it expects.

Revision ID: 0010_model_history
Revises: 0009_function_history
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from data.tables import Base

revision = "0010_model_history"
down_revision = "0009_function_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    Base.metadata.create_all(op.get_bind(), tables=[Base.metadata.tables["model_history"]],
                             checkfirst=True)


def downgrade() -> None:
    """Drop the table only where Parley made it: in an Open WebUI database (it has
    `alembic_version`) the table and its history are Open WebUI's."""
    bind = op.get_bind()
    if "alembic_version" not in sa.inspect(bind).get_table_names():
        op.drop_table("model_history")
