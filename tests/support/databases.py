"""Throwaway databases on both backends. PostgreSQL tests run against the local server;
with CI=true a missing server fails the run instead of skipping it."""

from __future__ import annotations

import os
import uuid

import asyncpg
import pytest

PG_DSN = os.environ.get("PARLEY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); start it (see README) to run these tests"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


async def create_pg_database(prefix: str = "parley_test") -> str:
    """Create a fresh database; returns its asyncpg-style URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(PG_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        service_missing("PostgreSQL", error)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
