"""Heartbeats carry each instance's clock: the database server's clock is read at
start-up (PostgreSQL; SQLite's is the instance's own), and an instance whose clock is
further off it than run leases tolerate is told so in one line."""

from sqlalchemy.ext.asyncio import AsyncSession

from data.db import create_engine
from data.repos.run_leases import RunLeaseRepo
from data.settings import database_url as async_url
from resolvers.tasks.leases import clock_warning, now_ms
from tests.conftest import make_settings


async def test_the_database_clock_is_read_on_postgresql_only(backend, database_url):
    engine = create_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            async with AsyncSession(bind=conn) as session:
                clock = await RunLeaseRepo(session).database_clock()
    finally:
        await engine.dispose()
    if backend == "sqlite":
        assert clock is None
    else:  # the same machine's clock, read a moment ago
        assert abs(clock - now_ms()) < 5_000


def test_a_clock_too_far_off_is_named(tmp_path, database_url):
    # Leases renewed every 10 s, stale after 60: each clock may be 25 s off the database's.
    settings = make_settings(tmp_path, database_url, RUN_HEARTBEAT_INTERVAL="10",
                             RUN_LEASE_TIMEOUT="60")
    now = now_ms()
    assert clock_warning(settings, now, None) is None
    assert clock_warning(settings, now, now - 25_000) is None
    warning = clock_warning(settings, now, now - 26_000)
    assert warning.startswith("this instance's clock is +26.0 s off the database server's")
    assert "25.0 s" in warning and "\n" not in warning
    assert clock_warning(settings, now, now + 30_000).startswith(
        "this instance's clock is -30.0 s off")
