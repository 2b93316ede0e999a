"""The `retrieve` query: search the knowledge bases and files you may read."""

from typing import Annotated

import strawberry

from resolvers.retrieval import queries
from schema.context import Info
from schema.retrieval.types import RetrievedChunk


@strawberry.type
class RetrievalQueries:
    @strawberry.field(description=(
        "The chunks of these knowledge bases and files that best match the query, best "
        "first, each text once. A knowledge base or file you may not read is NOT_FOUND, "
        "like a missing one."))
    async def retrieve(
        self, info: Info,
        query: Annotated[str, strawberry.argument(description="What to look for.")],
        knowledge_base_ids: Annotated[list[strawberry.ID] | None, strawberry.argument(
            description="Knowledge bases to search.")] = None,
        file_ids: Annotated[list[strawberry.ID] | None, strawberry.argument(
            description="Files to search (their own collections).")] = None,
        k: Annotated[int | None, strawberry.argument(
            description="How many chunks, 1 to 10000; default RAG_TOP_K.")] = None,
        hybrid: Annotated[bool | None, strawberry.argument(description=(
            "Fuse keyword and vector search. Only when the administrators enabled hybrid "
            "search; false opts out; default as configured."))] = None,
    ) -> list[RetrievedChunk]:
        found = await queries.retrieve(
            info.context, query,
            knowledge_ids=None if knowledge_base_ids is None else [str(i) for i in
                                                                   knowledge_base_ids],
            file_ids=None if file_ids is None else [str(i) for i in file_ids],
            options=queries.QueryOptions(k=k, hybrid=hybrid))
        return [RetrievedChunk.from_found(chunk) for chunk in found.chunks]
