import ollama
import pytest

from tests.conftest import bearer
from tests.support.ai import *  # noqa: F403


@pytest.fixture
async def client_for(live):
    """Official `ollama` clients on Parley's `/ollama`, one per token, closed after."""
    made = []

    def make(token: str) -> ollama.AsyncClient:
        made.append(ollama.AsyncClient(host=f"{live}/ollama", headers=bearer(token)))
        return made[-1]

    yield make
    for client in made:
        await client.close()
