"""Open WebUI's Ollama proxy dialect (`/ollama`)."""

from compat_rest.ollama.routes import routes

__all__ = ["routes"]
