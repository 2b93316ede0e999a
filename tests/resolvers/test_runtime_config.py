"""Runtime settings on the hot path: a change written elsewhere (another instance, Open
WebUI beside us) shows once the values are a second old, read shortly after the caller
that noticed; a change written here shows at once."""

import asyncio
import json

from sqlalchemy import text

from tests.support.waiting import eventually


async def write_elsewhere(app, key: str, value) -> None:
    async with app.state.services.engine.begin() as conn:
        await conn.execute(text("UPDATE config SET value = :v WHERE key = :k"),
                           {"v": json.dumps(value), "k": key})


async def test_a_change_made_elsewhere_is_read_shortly_after(app, client):
    config = app.state.services.config
    before = (await config.current())["ollama.base_urls"]
    await write_elsewhere(app, "ollama.base_urls", ["http://elsewhere:11434"])
    assert (await config.current())["ollama.base_urls"] == before  # within the second

    await asyncio.sleep(config.ttl + 0.1)  # the values in hand are now a second old
    assert (await config.current())["ollama.base_urls"] == before  # answered at once...

    async def reread() -> bool:  # ...and the new value is read after it
        return (await config.current())["ollama.base_urls"] == ["http://elsewhere:11434"]

    await eventually(reread)


async def test_a_change_written_here_shows_at_once(app, client):
    config = app.state.services.config
    await config.current()
    async with app.state.services.write_sessionmaker() as session:
        await config.set(session, {"ollama.base_urls": ["http://here:11434"]})
        await session.commit()
    assert (await config.current())["ollama.base_urls"] == ["http://here:11434"]


async def test_unchanged_rows_keep_the_values_callers_derived_from(app, client):
    config = app.state.services.config
    first = await config.current()
    await asyncio.sleep(config.ttl + 0.1)
    await config.current()  # past the second: a re-read follows
    await asyncio.sleep(config.reread_delay + 0.1)
    assert await config.current() is first  # same rows: the same object, not re-derived

    await write_elsewhere(app, "ollama.base_urls", ["http://elsewhere:11434"])
    await asyncio.sleep(config.ttl + 0.1)
    await config.current()
    await asyncio.sleep(config.reread_delay + 0.1)
    changed = await config.current()
    assert changed is not first and changed["ollama.base_urls"] == ["http://elsewhere:11434"]
