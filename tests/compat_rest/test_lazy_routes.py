"""Route tables imported on their first request route exactly as the routes they stand for
would in their place, and load only for requests under their prefixes."""

import re

from starlette.routing import BaseRoute, Match, Mount

import compat_rest
from compat_rest.lazy import LazyRoutes
from tests.conftest import bearer

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Near misses around the prefixes, and paths inside the SCIM mounts.
EXTRA_PATHS = ("/api/chat", "/api/chatsx", "/api/chats/x1/messages/m1/y", "/api/v1/chat",
               "/api/modelsx", "/api/v1/tasks", "/api/taskslist", "/ollamax", "/openaix",
               "/scim", "/scim/v2/Users/x1", "/api/v1/scim/v2/Groups/.search",
               "/api/v1/scimx", "/api/v1/nothing-here")


def flattened(routes: list[BaseRoute]) -> list[BaseRoute]:
    return [inner for route in routes
            for inner in (route.routes if isinstance(route, LazyRoutes) else [route])]


def sample_paths(routes: list[BaseRoute]):
    for route in routes:
        path = re.sub(r"\{\w+:int\}", "7", route.path)
        path = re.sub(r"\{\w+:path\}", "a/b", path)
        path = re.sub(r"\{\w+\}", "x1", path)
        yield from (path, f"{path}/extra", path.rsplit("/", 1)[0] or "/")
        if isinstance(route, Mount):
            yield f"{path}/"
    yield from EXTRA_PATHS


def resolve(routes: list[BaseRoute], method: str, path: str):
    """What starlette's router picks: the first full match, else the first partial one."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "",
             "path_params": {}, "headers": []}
    partial = None
    for route in routes:
        match, child = route.matches(scope)
        found = (child.get("endpoint"), child.get("path_params"), child.get("root_path"))
        if match is Match.FULL:
            return "full", found
        if match is Match.PARTIAL and partial is None:
            partial = found
    return ("partial", partial) if partial is not None else ("none", None)


def test_lazy_tables_route_every_request_as_the_flat_table_would():
    lazy = compat_rest.routes()
    flat = flattened(lazy)  # loads every table, and checks each lies under its prefixes
    assert len(flat) > len(lazy)
    paths = sorted(set(sample_paths(flat)))
    differences = [(method, path) for path in paths for method in METHODS
                   if resolve(lazy, method, path) != resolve(flat, method, path)]
    assert differences == []


async def test_a_table_loads_on_the_first_request_under_its_prefixes(app, client, accounts):
    tables = [route for route in app.routes if isinstance(route, LazyRoutes)]
    assert (await client.get("/health")).status_code == 200
    assert [table.module for table in tables if table.loaded] == []

    admin = await accounts.admin()  # a sign-up over REST
    auth = bearer(admin["token"])
    assert (await client.get("/api/v1/auths/", headers=auth)).status_code == 200
    viewer = await client.post("/graphql", json={"query": "{ viewer { email } }"},
                               headers=auth)
    assert viewer.json() == {"data": {"viewer": {"email": "admin@example.com"}}}
    assert (await client.get("/api/v1/nothing-here")).status_code == 404
    assert [table.module for table in tables if table.loaded] == ["compat_rest.openwebui.auths"]

    config = await client.get("/openai/config", headers=auth)
    assert config.status_code == 200 and "OPENAI_API_BASE_URLS" in config.json()
    assert [table.module for table in tables if table.loaded] == [
        "compat_rest.openai.routes", "compat_rest.openwebui.auths"]
