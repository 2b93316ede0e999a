"""Leases on runs, so that a run never stays `running` after the process running it died
(SIGKILL, a crash, out of memory), while several instances share one database.

Each instance has an id of its own. A run it starts carries that id (`lease_owner`) and a
`heartbeat_at` it renews every RUN_HEARTBEAT_INTERVAL for as long as the run goes on
here. Every instance also sweeps, at start-up and then every interval: a running run
whose heartbeat is older than RUN_LEASE_TIMEOUT (or missing) belongs to an instance that
is gone, and each domain's sweeper (given by asgi.py) settles it: pipeline runs end
failed, evaluation runs are taken over and resumed. A live instance renews well within
the timeout (settings check it is at least two intervals), so none of its runs is taken.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

from data.repos.run_leases import RunLeaseRepo
from data.settings import Settings
from resolvers.context import Context, Services

log = logging.getLogger("parley.tasks")

Sweeper = Callable[[Services], Awaitable[None]]


def now_ms() -> int:
    return int(time.time() * 1000)


class Leases:
    """This instance's id, and the runs it holds by kind (`pipeline`, `evaluation`), each
    with what to call should another instance have taken it over."""

    def __init__(self) -> None:
        self.instance_id = str(uuid.uuid4())
        self.held: dict[str, dict[str, Callable[[], None]]] = {}
        self.sweeps = 0  # rounds done since start-up: what tests wait on
        self.keeper: asyncio.Task | None = None

    def hold(self, kind: str, run_id: str, lost: Callable[[], None] = lambda: None) -> None:
        self.held.setdefault(kind, {})[run_id] = lost

    def release(self, kind: str, run_id: str) -> None:
        self.held.get(kind, {}).pop(run_id, None)


def cutoff(services: Services) -> int:
    """Heartbeats older than this (ms) are an instance's that is gone."""
    return now_ms() - int(services.settings.run_lease_timeout * 1000)


def is_orphaned(services: Services, heartbeat_at: int | None) -> bool:
    return heartbeat_at is None or heartbeat_at < cutoff(services)


async def renew(services: Services) -> None:
    """Renew every lease held here; a run another instance took meanwhile (this one
    stalled past the timeout) is let go of, and its runner told to stop."""
    leases, now = services.leases, now_ms()
    # Only the runs held now: one starting during the UPDATE has a fresh lease anyway.
    asked = {kind: list(runs) for kind, runs in leases.held.items() if runs}
    ctx = Context(services)
    async with ctx.unit_of_work(write=True):
        repo = RunLeaseRepo(ctx.session)
        kept = {kind: await repo.renew(kind, leases.instance_id, ids, now)
                for kind, ids in asked.items()}
    for kind, ids in asked.items():
        runs = leases.held[kind]
        for run_id in ids:
            lost = runs.get(run_id)  # None: it ended meanwhile
            if run_id not in kept[kind] and lost is not None:
                log.warning("%s run %s was taken over by another instance", kind, run_id)
                runs.pop(run_id, None)
                lost()


async def sweep(services: Services, sweepers: Sequence[Sweeper]) -> None:
    await renew(services)
    for sweeper in sweepers:
        try:
            await sweeper(services)
        except Exception:  # one domain's trouble must not keep the others from sweeping
            log.exception("sweeping orphaned runs failed")
    services.leases.sweeps += 1


def clock_warning(settings: Settings, ours: int, database: int | None) -> str | None:
    """Heartbeats carry each instance's clock: one far off from the others' (here, from
    the database server's) makes its runs look orphaned, or dead ones look alive."""
    if database is None:
        return None
    margin = (settings.run_lease_timeout - settings.run_heartbeat_interval) * 1000
    if abs(ours - database) * 2 <= margin:
        return None
    return (f"this instance's clock is {(ours - database) / 1000:+.1f} s off the "
            f"database server's: run leases need every instance's clock within "
            f"{margin / 2000:.1f} s of it (half of RUN_LEASE_TIMEOUT less "
            "RUN_HEARTBEAT_INTERVAL); check NTP")


async def _check_clock(services: Services) -> None:
    ctx = Context(services)
    async with ctx.unit_of_work():
        database = await RunLeaseRepo(ctx.session).database_clock()
    warning = clock_warning(services.settings, now_ms(), database)
    if warning:
        log.warning("%s", warning)


async def start(services: Services, sweepers: Sequence[Sweeper]) -> None:
    """Sweep once now (runs orphaned while no instance was up are settled at start-up),
    then keep renewing and sweeping every interval until `stop`."""
    try:
        await _check_clock(services)
        await sweep(services, sweepers)
    except Exception:  # the database's trouble now is retried at the next round
        log.exception("sweeping orphaned runs failed")
    services.leases.keeper = asyncio.ensure_future(_keep(services, sweepers))


async def _keep(services: Services, sweepers: Sequence[Sweeper]) -> None:
    while True:
        await asyncio.sleep(services.settings.run_heartbeat_interval)
        try:
            await sweep(services, sweepers)
        except Exception:  # a lost connection or a locked database: next round
            log.exception("renewing run leases failed")


async def stop(services: Services) -> None:
    keeper = services.leases.keeper
    if keeper is not None:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        services.leases.keeper = None
