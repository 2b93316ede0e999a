"""Functions for tests: the three modules in tests/data/functions (written in Open WebUI's
documented form), small worker limits, and helpers that create functions through the
REST routes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import bearer

SOURCES = Path(__file__).resolve().parent.parent / "data" / "functions"
V1 = "/api/v1/functions"
NOT_FOUND = "We could not find what you're looking for :/"
# Small limits keep the fault tests fast; two workers let one call wait for another.
# The wall limit leaves a CPU-bound call room to reach its CPU limit on a busy machine.
LIMITS = {"FUNCTION_TIMEOUT_MS": "5000", "FUNCTION_CPU_SECONDS": "1",
          "FUNCTION_MEMORY_MB": "256", "FUNCTION_OUTPUT_KB": "256", "FUNCTION_WORKERS": "2",
          "FUNCTION_QUEUE_TIMEOUT_MS": "1000"}


def source(name: str) -> str:
    return (SOURCES / f"{name}.py").read_text()


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return dict(LIMITS)


@pytest.fixture
async def people(accounts):
    admin = await accounts.admin()
    user = await accounts.user("una@example.com")
    return {"admin": bearer(admin["token"]), "user": bearer(user["token"]),
            "admin_id": admin["id"], "user_id": user["id"]}


async def create(client, admin, function_id: str, content: str, *, name: str | None = None,
                 active: bool = True, **meta):
    response = await client.post(f"{V1}/create", headers=admin, json={
        "id": function_id, "name": name or function_id, "content": content, "meta": meta})
    assert response.status_code == 200, response.text
    if active:
        toggled = await client.post(f"{V1}/id/{function_id}/toggle", headers=admin)
        assert toggled.status_code == 200 and toggled.json()["is_active"] is True
    return response.json()
