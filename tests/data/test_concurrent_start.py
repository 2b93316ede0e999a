"""Instances started at the same moment on one empty database: one migrates while the
other waits, and seeding the runtime settings does not collide."""

import asyncio
import contextlib

from asgi import create_app
from data.repos.config import ConfigRepo
from tests.conftest import make_settings


async def test_three_instances_start_together_on_an_empty_database(tmp_path,
                                                                   empty_database_url):
    apps = [create_app(make_settings(tmp_path, empty_database_url)) for _ in range(3)]
    async with contextlib.AsyncExitStack() as stack:
        await asyncio.gather(*(stack.enter_async_context(app.router.lifespan_context(app))
                               for app in apps))
        async with apps[0].state.services.sessionmaker() as session:
            stored = await ConfigRepo(session).get_many(["ui.enable_signup"])
        assert set(stored) == {"ui.enable_signup"}
        assert all(app.state.services.ready for app in apps)
