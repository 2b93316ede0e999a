"""Migration 0012 makes the evaluation tables exactly as the ORM classes describe them
(columns, types, keys, indexes), on SQLite and PostgreSQL, and its downgrade drops them."""

from alembic import command

from data.db import create_engine
from data.migrate import alembic_config, migrate
from data.settings import database_url as async_url
from tests.support.schema_diff import orm_differences

TABLES = {"parley_evaluation", "parley_evaluation_case", "parley_evaluation_result"}


def _differences(conn) -> list:
    return orm_differences(conn, TABLES)


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
