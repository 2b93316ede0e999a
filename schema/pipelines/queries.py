"""Reading pipelines and their runs."""

from typing import Annotated

import strawberry

from resolvers.errors import Invalid
from resolvers.pipelines import pipelines, runs
from schema.context import Info
from schema.pagination import Connection, offset_connection, start_after
from schema.pipelines.types import Pipeline, PipelineRun

MAX_PAGE = pipelines.PAGE_LIMIT


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise Invalid(f"`first` must be from 1 to {MAX_PAGE}.", reason="invalid_page",
                      field="first")
    return first


@strawberry.type
class PipelineQueries:
    @strawberry.field(description="The pipelines the caller may read (administrators: "
                                  "all), newest change first, a page at a time.")
    async def pipelines(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 1 to {MAX_PAGE}.")] = 50,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
    ) -> Connection[Pipeline]:
        offset = start_after("pipelines", after)
        page = await pipelines.list_pipelines(info.context, offset=offset,
                                              limit=_first(first))
        return offset_connection("pipelines", page.pipelines, offset=offset,
                                 total=page.total, node=Pipeline.from_stored)

    @strawberry.field(description="One pipeline: the caller's, one shared with them, or "
                                  "(administrators) anyone's. NOT_FOUND otherwise.")
    async def pipeline(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")],
    ) -> Pipeline:
        return Pipeline.from_stored(await pipelines.get_pipeline(info.context, str(id)))

    @strawberry.field(description="A pipeline's runs, newest first: all of them for its "
                                  "writers, the caller's own for other readers.")
    async def pipeline_runs(
        self, info: Info,
        pipeline_id: Annotated[strawberry.ID, strawberry.argument(
            description="The pipeline.")],
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 1 to {MAX_PAGE}.")] = 50,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor.")] = None,
    ) -> Connection[PipelineRun]:
        offset = start_after("pipeline_runs", after)
        page = await runs.list_runs(info.context, str(pipeline_id), offset=offset,
                                    limit=_first(first))
        return offset_connection("pipeline_runs", page.runs, offset=offset,
                                 total=page.total, node=PipelineRun.from_row)

    @strawberry.field(description="One run, with each step's record: who ran it and the "
                                  "pipeline's writers. NOT_FOUND otherwise.")
    async def pipeline_run(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The run.")],
    ) -> PipelineRun:
        return PipelineRun.from_row(await runs.get_run(info.context, str(id)))
