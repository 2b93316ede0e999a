"""Following an evaluation's run."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers.evaluations.follow import follow_run
from schema.context import Info
from schema.evaluations.types import EvaluationRun


@strawberry.type
class EvaluationSubscriptions:
    @strawberry.subscription(description="An evaluation's progress now, then after each "
                                         "scored case until the run ends (its owner or an "
                                         "administrator; NOT_FOUND otherwise).")
    async def evaluation_run(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The evaluation.")],
    ) -> AsyncGenerator[EvaluationRun, None]:
        async for event in follow_run(info.context, str(id)):
            yield EvaluationRun.from_event(event)
