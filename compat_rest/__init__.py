"""REST dialects over the same resolvers as GraphQL. Each dialect renders its own errors."""

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope

from compat_rest import openwebui, scim
from compat_rest.lazy import LazyRoutes
from compat_rest.openwebui.errors import error_response


def proxy_routes() -> list[LazyRoutes]:
    """The Ollama and OpenAI proxies, imported on their first request (compat_rest.lazy).
    Their relay routes are also served past the middleware (compat_rest.direct)."""
    return [LazyRoutes("compat_rest.ollama.routes", ("/ollama",)),
            LazyRoutes("compat_rest.openai.routes", ("/openai",))]


def routes(proxies: list[LazyRoutes] | None = None) -> list[BaseRoute]:
    # The proxies come first: a proxied request is the one whose added latency is
    # counted, and no other route lies under their prefixes, so the rest pay two prefix
    # checks for it.
    return [*(proxy_routes() if proxies is None else proxies),
            *openwebui.routes(), *scim.routes()]


def too_large(scope: Scope, text: str) -> Response:
    """413 in the dialect of the path the body was sent to."""
    if scope.get("path", "").startswith(scim.PREFIXES):
        return scim.too_large(text)
    return error_response(413, text)
