"""Serialising rare, racy writes (the first sign-up) across processes."""

import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def serialize(session: AsyncSession, name: str) -> None:
    """Hold a lock named `name` until the transaction ends. On PostgreSQL an advisory
    transaction lock; on SQLite the write transaction (BEGIN IMMEDIATE) already is one."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                              {"key": zlib.crc32(name.encode())})
