"""Credentials of the SCIM surface: the provisioning client's bearer token, and nothing
else. The token goes to `Credentials.provisioning`, which only resolvers' SCIM scope
reads, so a user's session token, cookie or API key never works here, and the SCIM
token, sent anywhere else, is just an invalid user token."""

from __future__ import annotations

from starlette.requests import Request

from compat_rest.common import services
from resolvers.context import Context, Credentials


def provisioning_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def scim_context(request: Request) -> Context:
    return Context(services(request), Credentials(provisioning=provisioning_token(request)))
