"""Whether the database answers at all, for readiness checks."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def database_answers(session: AsyncSession) -> bool:
    try:
        await session.execute(text("SELECT 1"))
    except Exception:  # any driver failure means "not ready", never a 500
        return False
    return True
