"""REST dialects over the same resolvers as GraphQL. Each dialect renders its own errors."""

from starlette.routing import BaseRoute

from compat_rest import ollama, openai, openwebui


def routes() -> list[BaseRoute]:
    return [*openwebui.routes(), *ollama.routes(), *openai.routes()]
