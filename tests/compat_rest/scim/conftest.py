"""SCIM tests run the app with SCIM enabled, and talk to it as an identity provider does:
with the provisioning token, in SCIM's media type."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

TOKEN = "scim-test-token-0123456789abcdef"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"ENABLE_SCIM": "true", "SCIM_TOKEN": TOKEN}


class Scim:
    """An identity provider's client: every call checks the status it expects."""

    def __init__(self, client: httpx.AsyncClient, prefix: str = "/scim/v2"):
        self.client, self.prefix = client, prefix
        self.headers = {"Authorization": f"Bearer {TOKEN}",
                        "Content-Type": "application/scim+json"}

    async def call(self, method: str, path: str, body: Any = None, *, status: int = 200,
                   headers: dict | None = None, **kw) -> httpx.Response:
        response = await self.client.request(
            method, self.prefix + path, json=body, headers={**self.headers, **(headers or {})},
            **kw)
        assert response.status_code == status, (response.status_code, response.text)
        if response.content:
            assert response.headers["content-type"].startswith("application/scim+json")
        return response

    async def get(self, path: str, *, status: int = 200, **params) -> Any:
        response = await self.call("GET", path, status=status, params=params or None)
        return response.json() if response.content else None

    async def create_user(self, user_name: str, email: str | None = None, *,
                          status: int = 201, **attributes) -> dict:
        body: dict[str, Any] = {"schemas": [USER], "userName": user_name, **attributes}
        if email is not None:
            body["emails"] = [{"value": email, "type": "work", "primary": True}]
        return (await self.call("POST", "/Users", body, status=status)).json()

    async def create_group(self, name: str, *members: str, status: int = 201, **extra) -> dict:
        body = {"schemas": [GROUP], "displayName": name,
                "members": [{"value": member} for member in members], **extra}
        return (await self.call("POST", "/Groups", body, status=status)).json()

    async def patch(self, path: str, *operations: dict, status: int = 200, **kw) -> dict:
        body = {"schemas": [PATCH_OP], "Operations": list(operations)}
        response = await self.call("PATCH", path, body, status=status, **kw)
        return response.json()

    async def filter(self, text: str, resource: str = "/Users", **params) -> list[str]:
        """The userNames (or displayNames) of every resource the filter selects."""
        body = await self.get(resource, filter=text, **params)
        key = "userName" if resource == "/Users" else "displayName"
        return sorted(r[key] for r in body["Resources"])


def scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> dict:
    """Assert the response is SCIM's Error message with this status (and scimType)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status), body
    assert body.get("scimType") == scim_type, body
    assert body["detail"]
    return body


@pytest.fixture
def scim(client) -> Scim:
    return Scim(client)
