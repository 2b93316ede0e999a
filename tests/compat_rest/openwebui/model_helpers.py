"""Shared steps of the workspace model route tests."""

from __future__ import annotations

from tests.conftest import bearer

V1 = "/api/v1/models"


def preset(model_id: str, **extra) -> dict:
    body = {"id": model_id, "name": model_id.title(), "base_model_id": "llama3:8b",
            "meta": {"description": f"about {model_id}"}, "params": {"system": "Be kind."}}
    return body | extra


async def create(client, headers, model_id: str, **extra) -> dict:
    answer = await client.post(f"{V1}/create", headers=headers, json=preset(model_id, **extra))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def allow_workspace_models(client, admin_headers) -> None:
    """Let every user create models (Open WebUI's `workspace.models`, off by default)."""
    current = (await client.get("/api/v1/users/default/permissions",
                                headers=admin_headers)).json()
    current.setdefault("workspace", {})["models"] = True
    answer = await client.post("/api/v1/users/default/permissions", headers=admin_headers,
                               json=current)
    assert answer.status_code == 200, answer.text


async def people(accounts):
    await accounts.admin()
    una = await accounts.user("una@example.com", name="Una User")
    bo = await accounts.user("bo@example.com", name="Bo Other")
    return bearer(accounts.admin_token), bearer(una["token"]), una, bearer(bo["token"]), bo
