"""REST dialects over the same resolvers as GraphQL. Each dialect renders its own errors."""

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope

from compat_rest import ollama, openai, openwebui, scim
from compat_rest.openwebui.errors import error_response


def routes() -> list[BaseRoute]:
    return [*openwebui.routes(), *scim.routes(), *ollama.routes(), *openai.routes()]


def too_large(scope: Scope, text: str) -> Response:
    """413 in the dialect of the path the body was sent to."""
    if scope.get("path", "").startswith(scim.PREFIXES):
        return scim.too_large(text)
    return error_response(413, text)
