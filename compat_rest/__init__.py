"""REST dialects over the same resolvers as GraphQL. Each dialect renders its own errors."""

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import Scope

from compat_rest import openwebui, scim
from compat_rest.lazy import LazyRoutes
from compat_rest.openwebui.errors import error_response

# GET routes that change state (Open WebUI's sign-out takes GET): the request edge gives
# them a write's cookie rule, so a link on another site cannot act through them.
WRITING_GETS = ("/api/v1/auths/signout",)
# Where multipart uploads are streamed past the request edge (compat_rest/edge.py).
UPLOAD_PATHS = openwebui.UPLOAD_PATHS + openwebui.AUDIO_UPLOAD_PATHS


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


def edge_error(scope: Scope, status: int, text: str,
               headers: dict[str, str] | None = None) -> Response:
    """A refusal at the edge (compat_rest.edge) in the dialect of the request's path.
    The dialects' modules are imported only when one of their paths is refused."""
    path = scope.get("path", "")
    if path.startswith(scim.PREFIXES):
        return scim.edge_error(status, text, headers)
    if path.startswith("/openai"):
        from compat_rest.openai.errors import error_body as openai_error

        return JSONResponse(openai_error(text, status, None), status, headers)
    if path.startswith("/ollama"):
        from compat_rest.ollama.errors import error_body as ollama_error

        return JSONResponse(ollama_error(text), status, headers)
    return error_response(status, text, headers)
