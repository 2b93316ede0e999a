"""Reading the models a caller may use."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.errors import NotFound
from resolvers.models import models
from schema.context import Info
from schema.models.types import Model


@strawberry.type
class ModelQueries:
    @strawberry.field(description="Every model the caller may use, merged from all upstream "
                                  "connections (a connection that is down drops out).")
    async def models(
        self, info: Info,
        refresh: Annotated[bool, strawberry.argument(
            description="Ask every upstream now instead of using the short cache.")] = False,
    ) -> list[Model]:
        return [Model.from_available(m) for m in await models.list_models(info.context,
                                                                        refresh=refresh)]

    @strawberry.field(description="One model by id; null when it does not exist or the "
                                  "caller may not use it.")
    async def model(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The model's id.")],
    ) -> Model | None:
        try:
            return Model.from_available(await models.get_model(info.context, str(id)))
        except NotFound:
            return None
