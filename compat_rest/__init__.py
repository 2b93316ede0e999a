"""REST dialects over the same resolvers as GraphQL. Each dialect renders its own errors."""

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope

from compat_rest import openwebui, scim
from compat_rest.lazy import LazyRoutes
from compat_rest.openwebui.errors import error_response


def routes() -> list[BaseRoute]:
    # The proxies are imported on their first request (see compat_rest.lazy), and come
    # first: a proxied request is the one whose added latency is counted, and no other
    # route lies under their prefixes, so the rest pay two prefix checks for it.
    return [LazyRoutes("compat_rest.ollama.routes", ("/ollama",)),
            LazyRoutes("compat_rest.openai.routes", ("/openai",)),
            *openwebui.routes(), *scim.routes()]


def too_large(scope: Scope, text: str) -> Response:
    """413 in the dialect of the path the body was sent to."""
    if scope.get("path", "").startswith(scim.PREFIXES):
        return scim.too_large(text)
    return error_response(413, text)
