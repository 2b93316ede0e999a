"""Fixtures for the AI routes: a scripted upstream the app is configured with, and the
app behind a real uvicorn server (streaming, disconnects and the official clients need
real sockets; httpx's ASGI transport buffers whole answers).

Import the fixtures into a conftest: `from tests.support.ai import *  # noqa: F403`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.server import serving_in_loop
from tests.support.upstream import ScriptedUpstream

UPSTREAM_KEY = "sk-upstream-secret-0123456789"

__all__ = ["env_overrides", "live", "upstream", "UPSTREAM_KEY"]


@pytest.fixture
async def upstream() -> AsyncIterator[ScriptedUpstream]:
    async with ScriptedUpstream(key=UPSTREAM_KEY) as scripted:
        yield scripted


def upstream_env(upstream: ScriptedUpstream) -> dict[str, str]:
    """The settings that point the app at the scripted upstream, with short timeouts (the
    model list's leaves room for a busy machine: at 1 s, lists came back empty in CI)."""
    return {"OLLAMA_BASE_URLS": upstream.url, "OPENAI_API_BASE_URLS": upstream.openai_url,
            "OPENAI_API_KEYS": UPSTREAM_KEY, "UPSTREAM_IDLE_TIMEOUT": "1",
            "UPSTREAM_CONNECT_TIMEOUT": "2", "AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST": "3"}


@pytest.fixture
def env_overrides(upstream) -> dict[str, str]:
    return upstream_env(upstream)


@pytest.fixture
async def live(app) -> AsyncIterator[str]:
    """The started app behind uvicorn on this event loop; yields its base URL."""
    async with serving_in_loop(app) as base:
        yield base
