"""Reading and searching your memories."""

from typing import Annotated

import strawberry

from resolvers.memories import memories, search
from schema.context import Info
from schema.memories.types import Memory, MemoryMatch
from schema.pagination import Connection, offset_connection, start_after


@strawberry.type
class MemoryQueries:
    @strawberry.field(description="Your memories, oldest first, a page at a time.")
    async def memories(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 1 to {memories.MAX_PAGE}.")] = 30,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
    ) -> Connection[Memory]:
        offset = start_after("memories", after)
        rows = await memories.list_memories(info.context, offset=offset, limit=first)
        total = await memories.count_memories(info.context)
        return offset_connection("memories", rows, offset=offset, total=total,
                                 node=Memory.from_row)

    @strawberry.field(description="One of your memories (another user's is not found).")
    async def memory(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The memory's id.")],
    ) -> Memory:
        return Memory.from_row(await memories.get_memory(info.context, str(id)))

    @strawberry.field(description="Your memories nearest the query in meaning, best first. "
                                  "NOT_FOUND when you have none.")
    async def search_memories(
        self, info: Info,
        query: Annotated[str, strawberry.argument(description="What to look for.")],
        k: Annotated[int | None, strawberry.argument(
            description=f"How many, 1 to {search.MAX_K}; by default RAG_TOP_K "
                        "as configured now.")] = None,
    ) -> list[MemoryMatch]:
        found = await search.query_memories(info.context, query, k=k)
        return [MemoryMatch(memory=Memory.from_row(f.row), score=f.score) for f in found]
