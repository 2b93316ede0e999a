"""Bring the database to Parley's head, or refuse to touch it.

Alembic keeps our revision in `parley_alembic_version`: `alembic_version` is Open WebUI's.
An Open WebUI database is adopted only at 0.12.4's head, and then only tables Open WebUI
does not have are created.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from data.db import WRITE

if TYPE_CHECKING:
    from alembic.config import Config

OPENWEBUI_HEAD = "0bd252b206fb"
# Our newest revision; tests/data/test_migrations.py checks it against the scripts. Knowing
# it lets a start-up on a current database skip importing Alembic (10 MB, 100 ms).
PARLEY_HEAD = "0013_run_leases"
VERSION_TABLE = "parley_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_PG_LOCK = 0x7061726C6579  # 'parley': one migrator at a time across instances


class DatabaseRefused(RuntimeError):
    """The database is one Parley must not open; the message says why, in one line."""


def check_database(conn: Connection) -> str:
    """Classify the database: 'empty', 'parley' or 'openwebui'; refuse anything else."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        heads = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        if heads != [OPENWEBUI_HEAD]:
            found = ", ".join(heads) or "none"
            raise DatabaseRefused(
                f"this Open WebUI database is at revision {found}; Parley opens Open WebUI "
                f"0.12.4 databases (revision {OPENWEBUI_HEAD}): upgrade it with Open WebUI "
                "0.12.4 first")
        return "openwebui"
    if VERSION_TABLE in tables:
        return "parley"
    if tables:
        raise DatabaseRefused(
            f"the database already holds tables ({', '.join(sorted(tables)[:5])}, ...) but is "
            "neither Parley's nor an Open WebUI 0.12.4 database; refusing to change it")
    return "empty"


def alembic_config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


def _upgrade(conn: Connection) -> str:
    from alembic import command

    kind = check_database(conn)
    command.upgrade(alembic_config(conn), "head")
    return kind


async def _current_kind(engine: AsyncEngine) -> str | None:
    """'parley' or 'openwebui' when the database is already at both heads, else None."""
    async with engine.connect() as conn:
        try:
            ours = (await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).all()
        except DBAPIError:
            return None
        if [r[0] for r in ours] != [PARLEY_HEAD]:
            return None
        try:
            theirs = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        except DBAPIError:
            return "parley"
        return "openwebui" if [r[0] for r in theirs] == [OPENWEBUI_HEAD] else None


async def migrate(engine: AsyncEngine) -> str:
    """Upgrade to head; returns what the database was before ('empty', 'parley', 'openwebui')."""
    current = await _current_kind(engine)
    if current is not None:
        return current
    # One migrator at a time: an advisory lock on PostgreSQL; on SQLite the migration is
    # one write transaction, begun with the write lock (the others wait, then find the
    # database at head and change nothing).
    async with engine.execution_options(**WRITE).connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_lock({_PG_LOCK})"))
        try:
            kind = await conn.run_sync(_upgrade)
            await conn.commit()
        finally:
            if engine.dialect.name == "postgresql":
                await conn.execute(text(f"SELECT pg_advisory_unlock({_PG_LOCK})"))
                await conn.commit()
    return kind
