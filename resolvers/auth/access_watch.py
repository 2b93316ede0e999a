"""Open connections learn when the access they were opened with has ended.

A GraphQL WebSocket authenticates once, at connection_init, and its subscriptions then
run for as long as the client likes. Every commit that changes what a user's credentials
allow (see ACCESS_CHANGED) is announced on `user:<id>`, from whichever instance made it;
each connection of that user re-checks its own credentials then, and ends when they no
longer sign it in or its role is not the one its operations were authorised under.

Two ends announce nothing: a token's expiry, and a change written by another program on
the same database (Open WebUI beside us). The connection re-checks when its token expires
and at least every RECHECK_SECONDS.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from data.pubsub import user_channel
from resolvers.auth.authenticate import current_viewer
from resolvers.context import ACCESS_CHANGED, Context, Credentials, Services, Viewer
from resolvers.errors import DomainError

RECHECK_SECONDS = 60.0


@dataclass(frozen=True)
class AccessEnded:
    reason: str
    signed_out: bool  # the credentials fail now; otherwise they work with another role


async def until_access_ends(services: Services, credentials: Credentials,
                            viewer: Viewer) -> AccessEnded:
    """Wait until `credentials`, which authenticated `viewer`, stop giving that access.
    Raises ConnectionError when the pub/sub subscription ends first (a broker lost)."""
    async with services.pubsub.subscribe(user_channel(viewer.id)) as events:
        # Subscribed first, checked second: a change committed since the connection
        # authenticated is not missed.
        ended = await _recheck(services, credentials, viewer)
        while ended is None:
            try:
                event = await asyncio.wait_for(anext(events), _next_check(viewer))
            except TimeoutError:
                event = {"kind": ACCESS_CHANGED}  # expired, or time to look anyway
            except StopAsyncIteration:
                raise ConnectionError("the pub/sub subscription ended") from None
            if event.get("kind") != ACCESS_CHANGED:
                continue  # the channel also carries the user's chat events
            events.waiting()  # announced before this check, which covers them all
            ended = await _recheck(services, credentials, viewer)
        return ended


def _next_check(viewer: Viewer) -> float:
    """Seconds until the next unprompted check: when the token expires, if sooner."""
    if viewer.expires_at is None:
        return RECHECK_SECONDS
    return min(RECHECK_SECONDS, max(viewer.expires_at - time.time(), 0.0) + 0.05)


async def _recheck(services: Services, credentials: Credentials,
                   viewer: Viewer) -> AccessEnded | None:
    ctx = Context(services, credentials)
    try:
        async with ctx.unit_of_work():
            now = await current_viewer(ctx)
    except DomainError as refused:
        return AccessEnded(refused.message, signed_out=True)
    if now is None or now.id != viewer.id:
        return AccessEnded("The credentials no longer sign this account in.",
                           signed_out=True)
    if now.role != viewer.role:
        return AccessEnded("The account's role changed; connect again.", signed_out=False)
    return None
