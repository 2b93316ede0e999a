"""`model_history` as Parley creates it (migration 0008) is Open WebUI 0.12.4's table:
same columns, types, nullability, key and index, so Open WebUI can open the database."""

from data.db import create_engine
from data.migrate import migrate
from data.settings import database_url as async_url
from tests.fixtures.openwebui_db import schema_snapshot

# The DDL text differs in spelling between a create_all and Open WebUI's migration; the
# reflected shape is what both servers rely on.
SHAPE = ("columns", "primary_key", "indexes", "unique_constraints", "foreign_keys")


async def _shape(url: str, *, migrate_first: bool) -> dict:
    engine = create_engine(async_url(url))
    if migrate_first:
        await migrate(engine)
    async with engine.connect() as conn:
        snapshot = await conn.run_sync(schema_snapshot, ["model_history"])
    await engine.dispose()
    table = snapshot["tables"]["model_history"]
    assert table is not None
    return {key: table[key] for key in SHAPE if key in table}


async def test_parleys_model_history_is_open_webuis(empty_database_url, openwebui_database_url):
    ours = await _shape(empty_database_url, migrate_first=True)
    theirs = await _shape(openwebui_database_url, migrate_first=False)
    assert set(ours) >= {"columns", "indexes"}
    assert ours == theirs
