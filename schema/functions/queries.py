"""Reading functions."""

from typing import Annotated

import strawberry

from resolvers.functions import records
from schema.context import Info
from schema.functions.types import Function


@strawberry.type
class FunctionQueries:
    @strawberry.field(description="Every function, oldest first (approved accounts).")
    async def functions(self, info: Info) -> list[Function]:
        return [Function.from_row(row) for row in await records.list_functions(info.context)]

    @strawberry.field(description="One function (administrators).")
    async def function(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")],
    ) -> Function:
        return Function.from_row(await records.get_function(info.context, str(id)))
