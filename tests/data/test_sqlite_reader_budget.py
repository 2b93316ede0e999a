"""SQLite's larger reads run on the event loop within a time budget; one that takes
longer is stopped and run again on a worker thread (data/point_reads.py), with the same
rows, while the event loop keeps serving others."""

import asyncio
import sqlite3
import time

from data import point_reads
from data.point_reads import SqliteReader

# About a million VM steps: far over the budget on any machine.
LONG = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT count(*), max(i) FROM n")


def database(tmp_path) -> str:
    path = str(tmp_path / "reads.db")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"n{i}") for i in range(50)])
    conn.commit()
    conn.close()
    return path


async def test_a_short_read_runs_on_the_loop_and_a_long_one_on_a_thread(tmp_path):
    reader = SqliteReader(database(tmp_path))
    try:
        rows = await reader.records("SELECT id, name FROM t WHERE id < ? ORDER BY id", 3)
        assert rows == [(0, "n0"), (1, "n1"), (2, "n2")]  # tuples, not sqlite3.Row

        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        running = asyncio.create_task(ticker())
        started = time.perf_counter()
        assert await reader.records(LONG, 3_000_000) == [(3_000_000, 3_000_000)]
        took = time.perf_counter() - started
        running.cancel()
        # The loop was held for one budget at most, then went on serving the ticker.
        assert took > 5 * point_reads.ON_LOOP_BUDGET
        assert ticks >= 3
        # The connection is usable, and left without a progress handler; the worker
        # thread's connection is kept, and closed with the reader.
        assert await reader.records("SELECT count(*) FROM t") == [(50,)]
        assert len(reader._opened) == 1
    finally:
        await reader.close()
    assert reader._opened == []


async def test_an_offloaded_read_gives_the_same_rows(tmp_path):
    reader = SqliteReader(database(tmp_path))
    try:
        sql = "SELECT id, name FROM t ORDER BY name DESC"
        on_loop = await reader.records(sql)
        assert await reader.records(sql, offload=True) == on_loop and len(on_loop) == 50
        # Two at once use a connection each; both are kept for later reads.
        both = await asyncio.gather(reader.records(sql, offload=True),
                                    reader.records("SELECT count(*) FROM t", offload=True))
        assert both == [on_loop, [(50,)]]
        assert len(reader._opened) == 2 and len(reader._idle) == 2
    finally:
        await reader.close()


async def test_errors_other_than_the_budget_are_raised(tmp_path):
    reader = SqliteReader(database(tmp_path))
    try:
        try:
            await reader.records("SELECT nope FROM t")
        except sqlite3.OperationalError as error:
            assert "nope" in str(error)
        else:
            raise AssertionError("a bad statement must raise")
    finally:
        await reader.close()
