"""Migration 0013 gives pipeline runs and evaluations their lease columns exactly as the
ORM classes describe them, on SQLite and PostgreSQL, on a database of our own and on an
Open WebUI 0.12.4 database; its downgrade drops them and keeps the rows."""

from alembic import command
from sqlalchemy import inspect, text

from data.db import create_engine
from data.migrate import PARLEY_HEAD, alembic_config, migrate
from data.settings import database_url as async_url
from tests.support.schema_diff import orm_differences

TABLES = {"parley_pipeline_run", "parley_evaluation"}
LEASE = {"lease_owner", "heartbeat_at"}


def _differences(conn) -> list:
    return orm_differences(conn, TABLES)


def _columns(conn) -> dict[str, set[str]]:
    found = inspect(conn)
    return {t: {c["name"] for c in found.get_columns(t)} for t in TABLES}


RUN = ("INSERT INTO parley_pipeline_run (id, pipeline_id, pipeline_version, user_id, "
       "task_id, status, input, definition, steps, started_at, lease_owner, heartbeat_at) "
       "VALUES ('r1', 'p1', 1, 'u1', 't1', 'running', 'in', '{}', '[]', 1, 'i1', 5)")


async def _check(url: str) -> None:
    engine = create_engine(async_url(url))
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
        async with engine.begin() as conn:
            await conn.execute(text(RUN))
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c),
                                                            "0012_evaluations"))
        async with engine.connect() as conn:
            columns = await conn.run_sync(_columns)
            kept = (await conn.execute(text(
                "SELECT id, status FROM parley_pipeline_run"))).all()
        assert all(not names & LEASE for names in columns.values()), columns
        assert kept == [("r1", "running")]
        await migrate(engine)  # and up again, over the downgraded database
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
            head = (await conn.execute(text(
                "SELECT version_num FROM parley_alembic_version"))).scalar_one()
        assert head == PARLEY_HEAD
    finally:
        await engine.dispose()


async def test_the_lease_columns_come_and_go_on_our_database(empty_database_url):
    await _check(empty_database_url)


async def test_the_lease_columns_come_and_go_on_an_open_webui_database(openwebui_database_url):
    await _check(openwebui_database_url)
