"""Open WebUI's REST dialect."""

from starlette.routing import BaseRoute

from compat_rest.openwebui import auths, completions, models, system, tasks, users


def routes() -> list[BaseRoute]:
    return [*system.routes(), *auths.routes(), *users.routes(), *models.routes(),
            *completions.routes(), *tasks.routes()]
