"""Activity hints (a user's last_active_at) are written a moment after the request that
caused them, once per window, and never inside that request."""

from sqlalchemy import text

from resolvers.auth.authenticate import ACTIVITY_DELAY
from tests.conftest import bearer
from tests.support.waiting import eventually


async def last_active(app) -> int:
    async with app.state.services.engine.connect() as conn:
        return (await conn.execute(text('SELECT last_active_at FROM "user"'))).scalar_one()


async def test_activity_is_written_after_the_request_once_per_window(app, client, accounts):
    admin = await accounts.admin()
    async with app.state.services.engine.begin() as conn:
        await conn.execute(text('UPDATE "user" SET last_active_at = 1000'))
    services = app.state.services

    response = await client.get("/api/v1/auths/", headers=bearer(admin["token"]))
    assert response.status_code == 200
    assert await last_active(app) == 1000  # not written while the request ran
    assert len(services.deferred) == 1

    # Another request before the write lands schedules no second one.
    response = await client.get("/api/v1/auths/", headers=bearer(admin["token"]))
    assert response.status_code == 200 and len(services.deferred) == 1

    async def written() -> bool:
        return await last_active(app) > 1000

    await eventually(written, seconds=ACTIVITY_DELAY + 5)
    assert not services.deferred
