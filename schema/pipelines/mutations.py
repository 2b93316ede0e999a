"""Changing and running pipelines. A definition with problems is BAD_USER_INPUT, and a
run of something the caller may not use FORBIDDEN; both list every problem in
`extensions.problems` ({step, field, message})."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.models.workspace import grants_from
from resolvers.pipelines import pipelines, runs
from schema.context import Info
from schema.pipelines.types import Pipeline, PipelineRun


@strawberry.input(description="Someone to share a pipeline with.")
class PipelineGrantInput:
    principal_type: str = strawberry.field(description="`user` or `group`.")
    principal_id: str = strawberry.field(description="Their id (`*`: everyone signed in, "
                                                     "administrators only).")
    permission: str = strawberry.field(description="`read` (and run) or `write`.")


def _grants(items: list[PipelineGrantInput] | None):
    if items is None:
        return None
    return grants_from([{"principal_type": g.principal_type, "principal_id": g.principal_id,
                         "permission": g.permission} for g in items])


@strawberry.input(description="A new pipeline.")
class CreatePipelineInput:
    name: str = strawberry.field(description="Its name.")
    definition: JSON = strawberry.field(description="Its steps: `{steps: [...]}`.")
    description: str = strawberry.field(default="", description="What it is for.")
    grants: list[PipelineGrantInput] | None = strawberry.field(
        default=None, description="Who else may use it.")


@strawberry.input(description="Changes to a pipeline; what is left out stays.")
class UpdatePipelineInput:
    id: strawberry.ID = strawberry.field(description="The pipeline.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    description: str | None = strawberry.field(default=None, description="A new "
                                                                         "description.")
    definition: JSON | None = strawberry.field(default=None, description="New steps.")
    grants: list[PipelineGrantInput] | None = strawberry.field(
        default=None, description="Who else may use it (replaces the list).")


@strawberry.input(description="A copy of a pipeline, owned by the caller.")
class DuplicatePipelineInput:
    id: strawberry.ID = strawberry.field(description="The pipeline to copy.")
    name: str | None = strawberry.field(default=None, description="The copy's name "
                                                                  "(default: `<name> (copy)`).")


@strawberry.input(description="Which pipeline.")
class DeletePipelineInput:
    id: strawberry.ID = strawberry.field(description="The pipeline.")


@strawberry.input(description="Run a pipeline on an input.")
class ExecutePipelineInput:
    id: strawberry.ID = strawberry.field(description="The pipeline.")
    input: str = strawberry.field(default="", description="What `{{input}}` stands for.")


@strawberry.type(description="The pipeline as stored.")
class PipelinePayload:
    pipeline: Pipeline = strawberry.field(description="The pipeline.")


@strawberry.type(description="Whether the pipeline was there to delete.")
class DeletePipelinePayload:
    deleted: bool = strawberry.field(description="False when there was none.")


@strawberry.type(description="The run, just started: follow it with the pipelineRun "
                             "subscription, stop it with stopTask(taskId).")
class ExecutePipelinePayload:
    run: PipelineRun = strawberry.field(description="The run.")


@strawberry.type
class PipelineMutations:
    @strawberry.mutation(description="Save a new pipeline, owned by the caller.")
    async def create_pipeline(self, info: Info, input: Annotated[
            CreatePipelineInput, strawberry.argument(description="The pipeline.")]
            ) -> PipelinePayload:
        stored = await pipelines.create_pipeline(info.context, pipelines.PipelineCreate(
            name=input.name, description=input.description, definition=input.definition,
            access_grants=_grants(input.grants) or ()))
        return PipelinePayload(pipeline=Pipeline.from_stored(stored))

    @strawberry.mutation(description="Change a pipeline (its owner, writers, "
                                     "administrators); its version goes up.")
    async def update_pipeline(self, info: Info, input: Annotated[
            UpdatePipelineInput, strawberry.argument(description="The changes.")]
            ) -> PipelinePayload:
        stored = await pipelines.update_pipeline(info.context, str(input.id),
                                                 pipelines.PipelineUpdate(
            name=input.name, description=input.description, definition=input.definition,
            access_grants=_grants(input.grants)))
        return PipelinePayload(pipeline=Pipeline.from_stored(stored))

    @strawberry.mutation(description="Copy a pipeline the caller may read.")
    async def duplicate_pipeline(self, info: Info, input: Annotated[
            DuplicatePipelineInput, strawberry.argument(description="Which, and the name.")]
            ) -> PipelinePayload:
        stored = await pipelines.duplicate_pipeline(info.context, str(input.id),
                                                    name=input.name)
        return PipelinePayload(pipeline=Pipeline.from_stored(stored))

    @strawberry.mutation(description="Delete a pipeline with its runs and grants.")
    async def delete_pipeline(self, info: Info, input: Annotated[
            DeletePipelineInput, strawberry.argument(description="Which.")]
            ) -> DeletePipelinePayload:
        return DeletePipelinePayload(
            deleted=await pipelines.delete_pipeline(info.context, str(input.id)))

    @strawberry.mutation(description="Start a run (a task); answers at once.")
    async def execute_pipeline(self, info: Info, input: Annotated[
            ExecutePipelineInput, strawberry.argument(description="Which, on what.")]
            ) -> ExecutePipelinePayload:
        row = await runs.execute_pipeline(info.context, str(input.id), given=input.input,
                                          route="graphql")
        return ExecutePipelinePayload(run=PipelineRun.from_row(row))
