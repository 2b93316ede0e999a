"""SCIM 2.0 (RFC 7643/7644) at `/scim/v2` and at Open WebUI's `/api/v1/scim/v2`, for
identity providers that provision users and groups. Served only with ENABLE_SCIM; the
discovery endpoints need no token, everything else needs SCIM_TOKEN."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute

from compat_rest.lazy import LazyRoutes

PREFIXES = ("/scim/v2", "/api/v1/scim/v2")


def routes() -> list[BaseRoute]:
    return [LazyRoutes("compat_rest.scim.route_table", PREFIXES)]


def edge_error(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    from compat_rest.scim.errors import error_response  # only when a request was refused

    return error_response(status, text, "invalidValue" if status == 400 else None,
                          headers=headers)
