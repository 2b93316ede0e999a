"""Composition root: `create_app(settings=None)`, started with `python asgi.py` (or
`uvicorn asgi:create_app --factory`). The only module that imports every layer."""

from __future__ import annotations

import gc

if __name__ == "__main__":
    # Started as the server: the imports below make some hundred thousand objects that
    # live as long as the process, and collecting while they pile up is wasted work
    # (~0.1 s of start-up). The block at the end freezes them instead, so that later
    # full collections (every few thousand GraphQL requests) skip them as well.
    gc.disable()

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator

from cross_web import HTTPException
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

import compat_rest
from compat_rest.direct import DirectRoutes
from compat_rest.edge import BodyReader, RequestEdge
from data.db import create_engine, create_sessionmaker
from data.functions.pool import WorkerPool, denied_to_functions
from data.llm.upstreams import Upstreams
from data.migrate import DatabaseRefused, migrate
from data.point_reads import create_point_reader
from data.pubsub import PubSub, signing_key
from data.rate_counts import RedisCounts
from data.settings import Settings, SettingsError, load_settings
from data.vectors import make_store
from resolvers.auth.ratelimit import SharedLimit
from resolvers.auth.security import Passwords
from resolvers.context import Services
from resolvers.evaluations.resume import resume_orphaned_evaluations
from resolvers.files.processing import recover_unfinished
from resolvers.pipelines.orphans import fail_orphaned_runs
from resolvers.retrieval.embedder import ConfiguredEmbedder
from resolvers.runtime_config import RuntimeConfig
from resolvers.system.provisioning import provision_admin, startup_notes
from resolvers.tasks import control as task_control
from resolvers.tasks import leases as run_leases
from resolvers.tasks.registry import TaskRegistry
from schema.graphiql import ASSET_DIR
from schema.view import PATH as GRAPHQL_PATH
from schema.view import graphql_routes, transport_error

log = logging.getLogger("parley")


class TrailingSlash:
    """Serve `/api/v1/users/` and `/api/v1/users` alike, directly: Open WebUI clients send
    its collection paths with the slash, the documented routes without."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
        await self.app(scope, receive, send)


def edge_error(scope: Scope, status: int, text: str,
               headers: dict[str, str] | None = None) -> Response:
    """A request refused at the edge, in the dialect of its path (GraphQL's or a REST
    dialect's)."""
    if scope.get("path") == GRAPHQL_PATH:
        response = transport_error(HTTPException(status, text))
        response.headers.update(headers or {})
        return response
    return compat_rest.edge_error(scope, status, text, headers)


def pubsub_for(settings: Settings) -> PubSub:
    return PubSub(settings.pubsub_url, prefix=settings.redis_key_prefix,
                  key=signing_key(settings.secret_key))


def build_services(settings: Settings) -> Services:
    engine = create_engine(settings.database_url)
    reader = create_point_reader(settings.database_url)
    write_sessionmaker = create_sessionmaker(engine, write=True)
    # With Redis, limits are counted there; otherwise in the database all instances share.
    counts = RedisCounts(settings.pubsub_url, settings.redis_key_prefix) \
        if settings.pubsub_url.startswith(("redis:", "rediss:")) else None
    sessionmaker = create_sessionmaker(engine)
    return Services(
        settings=settings, engine=engine, sessionmaker=sessionmaker,
        write_sessionmaker=write_sessionmaker,
        vectors=make_store(settings.vectors, sessionmaker, write_sessionmaker,
                           engine.dialect.name, reader),
        config=RuntimeConfig(settings.runtime, reader), pubsub=pubsub_for(settings),
        signin_limiter=SharedLimit("signin", settings.signin_attempts,
                                   settings.signin_window_seconds,
                                   sessionmaker=write_sessionmaker, counts=counts),
        counts=counts, reader=reader, tasks=TaskRegistry(), leases=run_leases.Leases(),
        passwords=Passwords(settings.password_argon2))


# What becomes of a run whose instance died (resolvers/tasks/leases.py).
ORPHAN_SWEEPERS = (fail_orphaned_runs, resume_orphaned_evaluations)


async def start(services: Services) -> None:
    if services.settings.auto_migrate:
        await migrate(services.engine)
    async with services.write_sessionmaker() as session:
        await services.config.seed_database(session)
        await session.commit()
    await provision_admin(services)
    interrupted = await recover_unfinished(services)
    if interrupted:
        log.info("%d file(s) were being processed when a server stopped: marked failed, "
                 "to be processed again", interrupted)
    await services.pubsub.connect()
    if services.pubsub.scheme != "memory":  # instances that should meet can compare it
        log.info("pub/sub namespace: %s (REDIS_KEY_PREFIX)", services.pubsub.prefix)
    await task_control.start(services)
    services.llm = Upstreams(services.settings.upstreams)
    services.functions = WorkerPool(services.settings.functions,
                                    denied=denied_to_functions(services.settings))
    services.embedder = ConfiguredEmbedder(services)  # follows the `rag.*` config rows
    # A store with a server connects now, to fail at start-up; asked of the class, so the
    # embedded store is not built (data.vectors.LazyStore).
    if hasattr(type(services.vectors), "connect"):
        await services.vectors.connect()
    # Last: a run resumed here needs everything above.
    await run_leases.start(services, ORPHAN_SWEEPERS)
    log.info("%s", await startup_notes(services))  # before ready: readiness implies it
    services.ready = True


async def stop(services: Services) -> None:
    services.ready = False
    await run_leases.stop(services)  # before the runs stop: none is taken on the way out
    services.tasks.stop_all("shutdown")
    for handle in services.deferred:  # activity hints not yet written: worth losing
        handle.cancel()
    services.config.close()
    for task in list(services.background):
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, timeout=2)
    await task_control.stop(services)
    await services.pubsub.disconnect()
    if services.counts is not None:
        await services.counts.close()
    if services.llm is not None:
        await services.llm.aclose()
    if services.functions is not None:
        await services.functions.close()
    await services.vectors.close()
    await services.reader.close()
    await services.engine.dispose()


def create_app(settings: Settings | None = None) -> Starlette:
    if settings is None:
        try:
            settings = load_settings()
        except SettingsError as error:
            raise SystemExit(f"parley: {error}") from None
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await start(services)
        try:
            yield
        finally:
            await stop(services)

    proxies = compat_rest.proxy_routes()
    middleware = [
        Middleware(DirectRoutes, tables=proxies, reader=BodyReader(
            settings.max_body_size, settings.body_read_timeout, edge_error)),
        Middleware(TrailingSlash),
        Middleware(CORSMiddleware, allow_origins=list(settings.cors_allow_origins),
                   allow_credentials="*" not in settings.cors_allow_origins,
                   allow_methods=["*"], allow_headers=["*"]),
        # Inside CORS, so that a page allowed to read our answers can read a refusal too.
        Middleware(RequestEdge, limit=settings.max_body_size,
                   timeout=settings.body_read_timeout, render=edge_error,
                   cookie_origins=settings.cors_allow_origins, exempt=(GRAPHQL_PATH,),
                   writing_gets=compat_rest.WRITING_GETS,
                   streamed=compat_rest.UPLOAD_PATHS),
    ]
    routes = [*graphql_routes(settings), *compat_rest.routes(proxies),
              Mount("/static/graphiql", StaticFiles(directory=ASSET_DIR, check_dir=False))]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.services = services
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parley", description="Run the Parley server.")
    parser.add_argument("--migrate-only", action="store_true",
                        help="bring the database to the current schema, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"parley: {error}", file=sys.stderr)
        return 2
    try:
        kind = asyncio.run(_prepare(settings))
    except (DatabaseRefused, ServiceUnreachable) as error:
        print(f"parley: {error}", file=sys.stderr)
        return 2
    if args.migrate_only:
        print(f"parley: database is current (it was {kind})")
        return 0
    import uvicorn

    from http_protocol import HttpProtocol

    uvicorn.run("asgi:create_app", factory=True, host=settings.host, port=settings.port,
                http=HttpProtocol, workers=settings.workers, proxy_headers=True,
                log_level="info",
                access_log=settings.access_log,
                ws_max_size=settings.max_body_size,
                # Streams can be long: past the grace period they are cut, and the lifespan
                # then keeps each chat answer's partial text (see resolvers/completions/answers.py).
                timeout_graceful_shutdown=settings.shutdown_grace)
    return 0


class ServiceUnreachable(RuntimeError):
    pass


async def _prepare(settings: Settings) -> str:
    """Migrate and check the pub/sub broker before serving, so an unreachable service is
    one clear line at start-up rather than a traceback from inside the server."""
    engine = create_engine(settings.database_url)
    try:
        kind = await migrate(engine)
    except (OSError, SQLAlchemyError) as error:
        raise ServiceUnreachable(f"cannot use the database: {_first_line(error)}") from None
    finally:
        await engine.dispose()
    pubsub = pubsub_for(settings)
    try:
        await asyncio.wait_for(pubsub.connect(), timeout=10)
        await pubsub.disconnect()
    except Exception as error:  # each broker client has its own error types
        raise ServiceUnreachable(
            f"cannot reach the pub/sub broker at {settings.pubsub_url}: {_first_line(error)}"
        ) from None
    return kind


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


if __name__ == "__main__":
    gc.freeze()
    gc.enable()
    sys.exit(main())
