"""Migration 0012 makes the evaluation tables exactly as the ORM classes describe them
(columns, types, keys, indexes), on SQLite and PostgreSQL, and its downgrade drops them."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from data.db import create_engine
from data.migrate import alembic_config, migrate
from data.settings import database_url as async_url
from data.tables import Base

TABLES = {"parley_evaluation", "parley_evaluation_case", "parley_evaluation_result"}


def _ours(name, kind, parents) -> bool:
    if kind == "schema":
        return True
    return name in TABLES if kind == "table" else parents.get("table_name") in TABLES


def _differences(conn) -> list:
    context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_name": _ours})
    ours = MetaData()
    for name in TABLES:
        Base.metadata.tables[name].to_metadata(ours)
    return compare_metadata(context, ours)


async def test_the_tables_match_the_orm_and_go_on_downgrade(empty_database_url):
    engine = create_engine(async_url(empty_database_url))
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c),
                                                            "0010_model_history"))
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
        assert not names & TABLES
    finally:
        await engine.dispose()
