"""Helpers for the GraphQL surface: post documents through the app, sign people up through
GraphQL itself, and serve the app from a real uvicorn server for WebSocket clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.server import serving_in_loop

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ... on AuthSession { token expiresAt user { id role } }
    ... on MutationError { message code }
  }
}"""
ADD_USER = """
mutation AddUser($input: AddUserInput!) {
  addUser(input: $input) {
    __typename
    ... on AddUserPayload { token user { id email role } }
    ... on MutationError { message code }
  }
}"""


class GraphQLClient:
    """Posts GraphQL documents to /graphql and returns the decoded body."""

    def __init__(self, client: httpx.AsyncClient):
        self.client = client

    async def __call__(self, query: str, variables: dict | None = None, *,
                       token: str | None = None, status: int = 200,
                       headers: dict | None = None) -> dict[str, Any]:
        headers = {**auth(token), **(headers or {})}
        response = await self.client.post("/graphql", headers=headers,
                                          json={"query": query, "variables": variables})
        self.client.cookies.clear()  # signIn sets a cookie; tests authenticate as they say
        assert response.status_code == status, response.text
        return response.json()

    async def ok(self, query: str, variables: dict | None = None, **kw) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = await self(query, variables, **kw)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def admin(self, email: str = "admin@example.com", password: str = "admin-pass-1"):
        """Sign the first account up (it becomes the admin); returns its token."""
        data = await self.ok(SIGN_UP, {"input": {"name": "Ada Admin", "email": email,
                                                 "password": password}})
        assert data["signUp"]["__typename"] == "AuthSession", data
        assert data["signUp"]["user"]["role"] == "ADMIN"
        return data["signUp"]["token"]

    async def add_user(self, admin_token: str, email: str, *, role: str = "USER",
                       name: str = "Una User", password: str = "user-pass-1") -> dict:
        """An account added by the admin: {"token", "user": {"id", ...}}."""
        data = await self.ok(ADD_USER, {"input": {"name": name, "email": email,
                                                  "password": password, "role": role}},
                             token=admin_token)
        assert data["addUser"]["__typename"] == "AddUserPayload", data
        return data["addUser"]


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def error_codes(body: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@pytest.fixture
def graphql(client) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
async def live_server(app) -> AsyncIterator[str]:
    """The started app behind a real uvicorn server on this event loop (so the database
    connections stay on one loop); yields the base URL, e.g. http://127.0.0.1:41234."""
    async with serving_in_loop(app) as base:
        yield base
