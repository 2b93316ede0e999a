"""Following a pipeline run as it happens."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers.pipelines import runs
from schema.context import Info
from schema.pipelines.types import PipelineRunEvent


@strawberry.type
class PipelineSubscriptions:
    @strawberry.subscription(description="A run as stored now (SNAPSHOT), then each step's "
                                         "start, its model tokens and its end, until the "
                                         "run ENDED (who ran it and the pipeline's "
                                         "writers; NOT_FOUND otherwise).")
    async def pipeline_run(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The run.")],
    ) -> AsyncGenerator[PipelineRunEvent, None]:
        async for event in runs.follow_run(info.context, str(id)):
            yield PipelineRunEvent.from_event(event)
