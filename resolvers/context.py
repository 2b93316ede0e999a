"""The context every resolver takes first: process services, the caller's credentials,
and the unit of work (one database transaction with after-commit hooks)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from data.db import access_changes
from data.point_reads import PointReader
from data.pubsub import user_channel
from data.settings import Settings

if TYPE_CHECKING:
    from data.tables import UserRow
    from resolvers.auth.ratelimit import SharedLimit
    from resolvers.auth.security import Passwords
    from resolvers.runtime_config import RuntimeConfig

log = logging.getLogger("parley")

# Published on `user:<id>` after a commit that changed what the user's credentials allow
# (sign-out, revoked sessions, deactivation, a new password, a role, a deleted API key).
ACCESS_CHANGED = "access.changed"


@dataclass(frozen=True)
class Credentials:
    """What a surface found on the request, in Open WebUI's lookup order."""

    bearer: str | None = None
    cookie: str | None = None
    api_key_header: str | None = None
    # The SCIM surface's bearer token, and only the SCIM surface sets it: the provisioning
    # token is checked against SCIM_TOKEN alone and never read as a user's token.
    provisioning: str | None = None

    @property
    def token(self) -> str | None:
        return self.bearer or self.cookie or self.api_key_header


@dataclass(frozen=True)
class Viewer:
    """Who is calling: a person (with `user`), or a service such as the identity
    provider's provisioning client (`user` None, `via` naming its scope)."""

    user: UserRow | None
    via: str  # "session", "api_key", or a service scope: "scim"
    token: str
    jti: str | None = None
    expires_at: int | None = None

    @property
    def id(self) -> str:
        return self.user.id if self.user is not None else f"service:{self.via}"

    @property
    def role(self) -> str:
        return self.user.role if self.user is not None else "service"

    @property
    def is_service(self) -> bool:
        return self.user is None


@dataclass
class Services:
    """Process-wide: built once by the app's lifespan, shared by every request."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    write_sessionmaker: async_sessionmaker[AsyncSession]
    config: RuntimeConfig
    signin_limiter: SharedLimit
    reader: PointReader
    passwords: Passwords
    pubsub: Any = None
    counts: Any = None  # data.rate_counts.RedisCounts, with Redis: closed by the lifespan
    llm: Any = None  # data.llm.upstreams.Upstreams, opened by the lifespan
    tasks: Any = None  # resolvers.tasks.tasks.TaskRegistry
    leases: Any = None  # resolvers.tasks.leases.Leases: this instance's id, the runs it holds
    vectors: Any = None  # data.vectors.VectorStore, by VECTOR_DB
    embedder: Any = None  # data.embeddings.Embedder, by RAG_EMBEDDING_ENGINE, made at start
    functions: Any = None  # data.functions.pool.WorkerPool, made at start, workers on demand
    ready: bool = False
    background: set[asyncio.Task] = field(default_factory=set)
    deferred: set[asyncio.TimerHandle] = field(default_factory=set)
    touched: dict[tuple[str, str], float] = field(default_factory=dict)  # activity writes

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run best-effort work beside the request; keep a reference until it ends."""
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(_finish_background(self.background))

    def spawn_later(self, delay: float, work: Callable[[], Awaitable[Any]]) -> None:
        """Run best-effort work after `delay` seconds; dropped if the server stops first."""
        def start() -> None:
            self.deferred.discard(handle)
            self.spawn(work())

        handle = asyncio.get_running_loop().call_later(delay, start)
        self.deferred.add(handle)


def _finish_background(tasks: set[asyncio.Task]) -> Callable[[asyncio.Task], None]:
    def done(task: asyncio.Task) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background task failed: %r", task.exception())
    return done


class Context:
    """One per REST request or GraphQL operation."""

    def __init__(self, services: Services, credentials: Credentials | None = None):
        self.services = services
        self.settings = services.settings
        self.credentials = credentials or Credentials()
        self._session: AsyncSession | None = None
        self._maker: async_sessionmaker[AsyncSession] | None = None
        self._hooks: list[Callable[[], Awaitable[None]]] = []
        self.viewer_cache: tuple[Viewer | None] | None = None
        self.loaders: Any = None

    @property
    def session(self) -> AsyncSession:
        """The unit of work's session, opened on first use: many requests (an identity
        check, a cached setting) never touch it and then cost no connection at all."""
        if self._maker is None:
            raise RuntimeError("no unit of work is open on this context")
        if self._session is None:
            self._session = self._maker()
        return self._session

    @property
    def in_unit_of_work(self) -> bool:
        return self._maker is not None

    @property
    def writes(self) -> bool:
        """Whether the open unit of work is a write (on SQLite: holds the write lock)."""
        return self._maker is not None and self._maker is self.services.write_sessionmaker

    @asynccontextmanager
    async def unit_of_work(self, *, write: bool = False) -> AsyncIterator[Context]:
        """Commit on success, then run the after-commit hooks; roll back and drop them on
        error. Resolvers never commit. Re-entering an open unit of work joins it."""
        if self._maker is not None:
            yield self
            return
        # A write session's first statement begins with the write lock (SQLite); work done
        # before it, like hashing a password, does not hold the lock.
        self._maker = self.services.write_sessionmaker if write else self.services.sessionmaker
        changed: frozenset[str] = frozenset()
        try:
            yield self
            if self._session is not None and write:
                await self._session.commit()
                changed = access_changes(self._session)
            elif self._session is not None:
                await self._session.rollback()
        except BaseException:
            self._hooks.clear()
            if self._session is not None:
                await self._session.rollback()
            raise
        finally:
            if self._session is not None:
                await self._session.close()
            self._session, self._maker, self.loaders = None, None, None
        hooks, self._hooks = self._hooks, []
        hooks += [self._announce_access_change(user_id) for user_id in sorted(changed)]
        for hook in hooks:
            try:
                await hook()
            except Exception:  # the change is committed; a failed side effect must not undo it
                log.exception("after-commit hook failed")

    def after_commit(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._hooks.append(hook)

    def _announce_access_change(self, user_id: str) -> Callable[[], Awaitable[None]]:
        """Tell every instance: their open connections re-check the user's credentials
        (resolvers/auth/access_watch.py). Repositories note such changes on the session, so
        no resolver can forget to."""
        pubsub = self.services.pubsub

        async def announce() -> None:
            if pubsub is not None:
                await pubsub.publish(user_channel(user_id), {"kind": ACCESS_CHANGED})
        return announce
