"""Following a run's progress (for subscriptions): the progress now, then each change
published on `evaluation:<id>` until the run ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from data.pubsub import evaluation_channel
from resolvers.context import Context
from resolvers.evaluations.progress import ENDINGS, Progress
from resolvers.evaluations.results import list_results
from resolvers.evaluations.runs import shown_status
from resolvers.evaluations.sets import get_evaluation, list_cases


async def follow_run(ctx: Context, evaluation_id: str) -> AsyncIterator[dict[str, Any]]:
    """Its owner or an administrator: the progress now, then each change until the run
    ends, wherever it runs (a run resumed elsewhere goes on on the same channel). A run
    not going on anywhere gives only the progress now."""
    async with ctx.services.pubsub.subscribe(evaluation_channel(evaluation_id)) as events:
        async with ctx.unit_of_work():  # read what is needed before its rollback
            row = await get_evaluation(ctx, evaluation_id)
            now = Progress(evaluation_id, total=len(await list_cases(ctx, evaluation_id))
                           * len(row.models))
            for result in await list_results(ctx, evaluation_id):
                now.add(result)
            status = shown_status(ctx.services, row)
        yield now.event(status)
        if status != "running":
            return
        async for event in events:
            if event.get("done", 0) < now.done and event.get("status") == "running":
                continue  # published before the snapshot above
            yield event
            if event.get("status") in ENDINGS:
                return
