"""Changing and running functions (administrators, except executeFunction). Code is
checked in a worker before anything is written: code that does not load is
BAD_USER_INPUT naming the line; a call that fails is UPSTREAM_FAILED naming the cause."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.errors import Invalid
from resolvers.functions import records, runtime, valves
from schema.context import Info
from schema.functions.types import Function


@strawberry.input(description="A function's module and name.")
class FunctionInput:
    id: strawberry.ID = strawberry.field(description="A Python identifier (lower-cased).")
    name: str = strawberry.field(description="Its name.")
    content: str = strawberry.field(description="The module: it defines Pipe, Filter or "
                                                "Action.")
    meta: JSON | None = strawberry.field(default=None, description="Description etc.")
    commit_message: str | None = strawberry.field(default=None,
                                                  description="Kept in its history.")


@strawberry.input(description="Which function.")
class FunctionIdInput:
    id: strawberry.ID = strawberry.field(description="Its id.")


@strawberry.input(description="New valves for a function.")
class UpdateFunctionValvesInput:
    id: strawberry.ID = strawberry.field(description="Its id.")
    valves: JSON = strawberry.field(description="Values for its Valves class.")


@strawberry.input(description="Run a function on a body.")
class ExecuteFunctionInput:
    id: strawberry.ID = strawberry.field(description="An active function.")
    body: JSON = strawberry.field(description="What it gets as `body`.")


@strawberry.type(description="The function as stored.")
class FunctionPayload:
    function: Function = strawberry.field(description="The function.")


@strawberry.type(description="Whether the function was there to delete.")
class DeleteFunctionPayload:
    deleted: bool = strawberry.field(description="False when there was none.")


@strawberry.type(description="The valves as stored (checked by the module).")
class FunctionValvesPayload:
    valves: JSON = strawberry.field(description="The valves.")


@strawberry.type(description="What the function answered.")
class ExecuteFunctionPayload:
    result: JSON | None = strawberry.field(description="Its answer, as JSON.")


def _input(input: FunctionInput) -> records.FunctionInput:
    return records.FunctionInput(id=str(input.id), name=input.name, content=input.content,
                                 meta=input.meta if input.meta is not None else {},
                                 commit_message=input.commit_message)


@strawberry.type
class FunctionMutations:
    @strawberry.mutation(description="Add a function (inactive, not global).")
    async def create_function(self, info: Info, input: Annotated[
            FunctionInput, strawberry.argument(description="The function.")]
            ) -> FunctionPayload:
        row = await records.create_function(info.context, _input(input))
        return FunctionPayload(function=Function.from_row(row))

    @strawberry.mutation(description="Replace a function's code, name and meta.")
    async def update_function(self, info: Info, input: Annotated[
            FunctionInput, strawberry.argument(description="The function.")]
            ) -> FunctionPayload:
        row = await records.update_function(info.context, str(input.id), _input(input))
        return FunctionPayload(function=Function.from_row(row))

    @strawberry.mutation(description="Delete a function and its history.")
    async def delete_function(self, info: Info, input: Annotated[
            FunctionIdInput, strawberry.argument(description="Which.")]
            ) -> DeleteFunctionPayload:
        return DeleteFunctionPayload(
            deleted=await records.delete_function(info.context, str(input.id)))

    @strawberry.mutation(description="Switch a function on or off.")
    async def toggle_function(self, info: Info, input: Annotated[
            FunctionIdInput, strawberry.argument(description="Which.")]
            ) -> FunctionPayload:
        row = await records.toggle_function(info.context, str(input.id))
        return FunctionPayload(function=Function.from_row(row))

    @strawberry.mutation(description="Make a filter global, or not.")
    async def toggle_function_global(self, info: Info, input: Annotated[
            FunctionIdInput, strawberry.argument(description="Which.")]
            ) -> FunctionPayload:
        row = await records.toggle_function(info.context, str(input.id),
                                            field_name="is_global")
        return FunctionPayload(function=Function.from_row(row))

    @strawberry.mutation(description="Set a function's valves; sealed at rest.")
    async def update_function_valves(self, info: Info, input: Annotated[
            UpdateFunctionValvesInput, strawberry.argument(description="Which and what.")]
            ) -> FunctionValvesPayload:
        return FunctionValvesPayload(valves=await valves.update_valves(
            info.context, str(input.id), input.valves))

    @strawberry.mutation(description="Run an active function on a body, in a worker "
                                     "(approved accounts).", metadata={"writes": False})
    async def execute_function(self, info: Info, input: Annotated[
            ExecuteFunctionInput, strawberry.argument(description="Which and on what.")]
            ) -> ExecuteFunctionPayload:
        if not isinstance(input.body, dict):
            raise Invalid("body must be a JSON object.", reason="invalid_body")
        return ExecuteFunctionPayload(result=await runtime.execute_function(
            info.context, str(input.id), input.body))
