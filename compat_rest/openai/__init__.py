"""Open WebUI's OpenAI proxy dialect (`/openai`)."""

from compat_rest.openai.routes import routes

__all__ = ["routes"]
