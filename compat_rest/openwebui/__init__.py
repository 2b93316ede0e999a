"""Open WebUI's REST dialect."""

from starlette.routing import BaseRoute

from compat_rest.lazy import LazyRoutes
from compat_rest.openwebui import system

CHATS = ("/api/v1/chats", "/api/chats")
FILES = ("/api/v1/files", "/api/files")
# Where uploads arrive as multipart bodies, streamed past the request edge.
UPLOAD_PATHS = (*FILES, "/api/v1/pipelines/upload")
AUDIO = ("/api/v1/audio", "/api/audio")
AUDIO_UPLOAD_PATHS = tuple(f"{prefix}/transcriptions" for prefix in AUDIO)


def routes() -> list[BaseRoute]:
    # Health loads with the server; the rest on their first request. Sign-in and users
    # too: their bodies are read by pydantic models, and pydantic (about 0.1 s and 8 MB
    # with its first models) is then not loaded by a server used through GraphQL only.
    return [*system.routes(),
            LazyRoutes("compat_rest.openwebui.auths", ("/api/v1/auths", "/api/auth/")),
            LazyRoutes("compat_rest.openwebui.users", ("/api/v1/users", "/api/users")),
            LazyRoutes("compat_rest.openwebui.chat_labels", CHATS),
            LazyRoutes("compat_rest.openwebui.chat_messages", CHATS),
            LazyRoutes("compat_rest.openwebui.chats", CHATS),
            LazyRoutes("compat_rest.openwebui.models", ("/api/models", "/api/v1/models")),
            LazyRoutes("compat_rest.openwebui.completions",
                       ("/api/chat/completions", "/api/v1/chat/completions",
                        "/api/embeddings", "/api/v1/embeddings")),
            LazyRoutes("compat_rest.openwebui.files", FILES),
            LazyRoutes("compat_rest.openwebui.audio", AUDIO),
            LazyRoutes("compat_rest.openwebui.file_processing",
                       ("/api/v1/retrieval/process/file",)),
            LazyRoutes("compat_rest.openwebui.retrieval", ("/api/v1/retrieval/", "/api/rag/")),
            LazyRoutes("compat_rest.openwebui.tasks", ("/api/tasks",)),
            LazyRoutes("compat_rest.openwebui.memories", ("/api/v1/memories", "/api/memory")),
            LazyRoutes("compat_rest.openwebui.knowledge", ("/api/v1/knowledge", "/api/knowledge")),
            LazyRoutes("compat_rest.openwebui.images", ("/api/v1/images", "/api/images")),
            LazyRoutes("compat_rest.openwebui.feedback", ("/api/v1/evaluations",)),
            LazyRoutes("compat_rest.openwebui.evaluations", ("/api/evaluations",)),
            LazyRoutes("compat_rest.openwebui.task_config", ("/api/v1/tasks/config",)),
            LazyRoutes("compat_rest.openwebui.functions", ("/api/v1/functions",
                                                           "/api/functions")),
            LazyRoutes("compat_rest.openwebui.pipelines", ("/api/pipelines",)),
            LazyRoutes("compat_rest.openwebui.pipeline_servers", ("/api/v1/pipelines",)),
            LazyRoutes("compat_rest.openwebui.function_calls",
                       ("/api/chat/completed", "/api/v1/chat/completed", "/api/chat/actions",
                        "/api/v1/chat/actions", "/api/functions"))]
