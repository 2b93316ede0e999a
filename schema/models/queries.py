"""Reading the models a caller may use."""

from typing import Annotated

import strawberry

from resolvers.errors import Invalid
from resolvers.models import catalog_search
from schema.context import Info
from schema.models.types import Model
from schema.pagination import Connection, offset_connection, start_after

MAX_PAGE = 200


@strawberry.type
class ModelQueries:
    @strawberry.field(description="The models the caller may use, merged from all upstream "
                                  "connections (a connection that is down drops out) with "
                                  "the workspace's presets; found by words and by tag.")
    async def models(
        self, info: Info,
        refresh: Annotated[bool, strawberry.argument(
            description="Ask every upstream now instead of using the short cache.")] = False,
        first: Annotated[int | None, strawberry.argument(
            description=f"At most this many (up to {MAX_PAGE}); all when absent.")] = None,
        after: Annotated[str | None, strawberry.argument(
            description="The endCursor of the previous page.")] = None,
        query: Annotated[str | None, strawberry.argument(
            description="Words in the id, name, description or tags (any case).")] = None,
        tag: Annotated[str | None, strawberry.argument(
            description="Only models with this tag (any case).")] = None,
    ) -> Connection[Model]:
        if first is not None and not 0 <= first <= MAX_PAGE:
            raise Invalid(f"first is from 0 to {MAX_PAGE}.", reason="invalid_first",
                          field="first")
        offset = start_after("models", after)
        found, peers = await catalog_search.find_models(info.context, query=query, tag=tag,
                                                        refresh=refresh)
        page = found[offset:] if first is None else found[offset:offset + first]
        return offset_connection("models", page, offset=offset, total=len(found),
                                 node=lambda m: Model.from_available(m, peers))

    @strawberry.field(description="One model by id; null when it does not exist or the "
                                  "caller may not use it.")
    async def model(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The model's id.")],
    ) -> Model | None:
        _, peers = await catalog_search.find_models(info.context)
        found = peers.get(str(id))
        return Model.from_available(found, peers) if found is not None else None
