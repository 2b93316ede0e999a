"""Open WebUI's REST dialect."""

from starlette.routing import BaseRoute

from compat_rest.openwebui import (
    auths,
    chat_labels,
    chat_messages,
    chats,
    completions,
    models,
    system,
    tasks,
    users,
)


def routes() -> list[BaseRoute]:
    return [*system.routes(), *auths.routes(), *users.routes(),
            *chat_labels.routes(), *chat_messages.routes(), *chats.routes(),
            *models.routes(), *completions.routes(), *tasks.routes()]
