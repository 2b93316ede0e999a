"""One session used by many tasks at once (a unit of work's root fields, list items and
dataloaders): its calls take turns, every one succeeds, and the connection goes back to
the pool outside any transaction."""

import asyncio

from sqlalchemy import func, select, text

from data.db import access_changes, create_engine, create_sessionmaker, note_access_change
from data.tables import UserRow
from tests.conftest import make_settings


async def test_concurrent_calls_on_one_session_take_turns(tmp_path, database_url):
    engine = create_engine(make_settings(tmp_path, database_url).database_url)
    try:
        for write in (False, True):
            async with create_sessionmaker(engine, write=write)() as session:
                async def read(n: int) -> int:
                    counted = await session.scalar(select(func.count()).select_from(UserRow))
                    echoed = (await session.execute(text(f"SELECT {n}"))).scalar_one()
                    return counted + echoed

                assert await asyncio.gather(*(read(n) for n in range(40))) == list(range(40))
                await session.rollback()
            assert engine.pool.checkedout() == 0
    finally:
        await engine.dispose()


async def test_access_changes_are_noted_per_session(tmp_path, database_url):
    engine = create_engine(make_settings(tmp_path, database_url).database_url)
    try:
        maker = create_sessionmaker(engine)
        async with maker() as first, maker() as second:
            note_access_change(first, "u1")
            note_access_change(first, "u1")
            assert access_changes(first) == {"u1"} and access_changes(second) == set()
    finally:
        await engine.dispose()
