"""Open WebUI's REST dialect."""

from starlette.routing import BaseRoute

from compat_rest.openwebui import auths, system, users


def routes() -> list[BaseRoute]:
    return [*system.routes(), *auths.routes(), *users.routes()]
