"""How a migrated database differs from the ORM classes, for some tables: alembic's own
comparison (columns, types, keys, indexes), limited to those tables."""

from collections.abc import Collection

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from data.tables import Base


def orm_differences(conn, tables: Collection[str]) -> list:
    """For `conn.run_sync`: alembic's differences between the database and the ORM's
    description of `tables` (an empty list when they match)."""
    def ours(name, kind, parents) -> bool:
        if kind == "schema":
            return True
        return name in tables if kind == "table" else parents.get("table_name") in tables

    context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_name": ours})
    described = MetaData()
    for name in tables:
        Base.metadata.tables[name].to_metadata(described)
    return compare_metadata(context, described)
