"""Throwaway databases on both backends. PostgreSQL tests run against the local server;
with CI=true a missing server fails the run instead of skipping it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from data.db import create_engine
from data.migrate import migrate
from data.settings import database_url as async_url

PG_DSN = os.environ.get("PARLEY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); start it (see README) to run these tests"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


async def _pg_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        service_missing("PostgreSQL", error)
        raise


def _pg_url(name: str) -> str:
    return f"{PG_DSN.rsplit('/', 1)[0]}/{name}"


async def create_pg_database(prefix: str = "parley_test") -> str:
    """Create a fresh, empty database; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await _pg_admin()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _pg_url(name)


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def migrated(url: str) -> None:
    """Bring the database at `url` to Parley's head, as the app's start-up does."""
    engine = create_engine(async_url(url))
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


class Dropper:
    """Drops databases in the background, every queued one at once. Each DROP DATABASE
    waits for a checkpoint (0.3 s on a quiet machine, over a second on a busy one), and
    one at a time they fell behind the tests: the last test of each worker waited about
    100 s for the backlog. Drops that run together share their checkpoints (16 drops:
    19.5 s one after another, 0.3 s side by side). `close` waits for the queue."""

    WIDTH = 6  # connections dropping at once; the server allows 100 in all

    def __init__(self):
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def later(self, url_or_name: str) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._drop_queued())
        self._queue.put_nowait(url_or_name.rsplit("/", 1)[-1])

    async def _drop_queued(self) -> None:
        pool = await asyncpg.create_pool(PG_DSN, min_size=1, max_size=self.WIDTH, timeout=5)
        try:
            closing = False
            while not closing:
                batch = [await self._queue.get()]
                while not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                closing = None in batch
                await asyncio.gather(*(
                    pool.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    for name in batch if name is not None))
        finally:
            await pool.close()

    async def close(self) -> None:
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task


class TemplateCopies:
    """Databases of a test's own, each a copy of a template prepared once per run by
    `prepare(url)` (e.g. `migrated`): of the file on SQLite, through `CREATE DATABASE
    ... TEMPLATE` on PostgreSQL. Preparing for every test cost up to a second per test.

    PostgreSQL does this work while the tests run: the next test's copy is made while
    this one runs, and `dropper` drops the copies in the background."""

    def __init__(self, directory: Path, kind: str, prepare: Callable[[str], Awaitable[None]],
                 dropper: Dropper):
        self._directory, self._kind, self._prepare = directory, kind, prepare
        self._dropper = dropper
        self._sqlite: Path | None = None
        self._pg_template: str | None = None
        self._admin: asyncpg.Connection | None = None
        self._next_pg: asyncio.Future[str] | None = None

    async def sqlite(self, path: Path) -> str:
        if self._sqlite is None:
            template = self._directory / f"{self._kind}.db"
            await self._prepare(f"sqlite:///{template}")
            self._sqlite = template
        shutil.copyfile(self._sqlite, path)
        return f"sqlite:///{path}"

    async def postgres(self) -> str:
        if self._next_pg is None:
            self._next_pg = asyncio.ensure_future(self._pg_copy())
        url = await self._next_pg
        self._next_pg = asyncio.ensure_future(self._pg_copy())
        return url

    async def _pg_copy(self) -> str:
        if self._admin is None:
            self._admin = await _pg_admin()
        if self._pg_template is None:
            template = f"parley_template_{self._kind}_{uuid.uuid4().hex[:12]}"
            await self._admin.execute(f'CREATE DATABASE "{template}"')
            try:
                await self._prepare(_pg_url(template))
            except BaseException:
                await self._admin.execute(f'DROP DATABASE "{template}" WITH (FORCE)')
                raise
            self._pg_template = template
        name = f"parley_test_{uuid.uuid4().hex[:12]}"
        await self._admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"')
        return _pg_url(name)

    def drop_later(self, url: str) -> None:
        self._dropper.later(url)

    async def close(self) -> None:
        """Queue the last drops (the dropper's own `close` waits for them)."""
        if self._next_pg is not None:  # made for a test that never came
            with contextlib.suppress(Exception, pytest.skip.Exception, pytest.fail.Exception):
                self.drop_later(await self._next_pg)
        if self._admin is not None:
            await self._admin.close()
        if self._pg_template is not None:  # after its copies: they were made first
            self.drop_later(self._pg_template)
