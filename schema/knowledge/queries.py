"""Reading knowledge bases: those the caller may see as a connection, and one."""

from typing import Annotated

import strawberry

from resolvers.knowledge import knowledge
from schema.context import Info
from schema.knowledge.types import KnowledgeBase
from schema.pagination import Connection, offset_connection, start_after


@strawberry.type
class KnowledgeQueries:
    @strawberry.field(description="The knowledge bases the caller may see (their own and "
                                  "those shared with them; administrators: all), newest "
                                  "change first, a page at a time.")
    async def knowledge_bases(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 0 to {knowledge.MAX_PAGE}.")] = 30,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
        query: Annotated[str | None, strawberry.argument(
            description="Only those whose name or description contains this text.")] = None,
    ) -> Connection[KnowledgeBase]:
        offset = start_after("knowledgeBases", after)
        page = await knowledge.list_knowledge(
            info.context, knowledge.KnowledgeFilter(query=query or None), offset=offset,
            limit=first)
        return offset_connection("knowledgeBases", page.entries, offset=offset,
                                 total=page.total,
                                 node=lambda e: KnowledgeBase.from_row(e.row, e.write_access))

    @strawberry.field(description="One knowledge base the caller may read; NOT_FOUND "
                                  "otherwise.")
    async def knowledge_base(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")],
    ) -> KnowledgeBase:
        found = await knowledge.get_knowledge(info.context, str(id))
        return KnowledgeBase.from_row(found.row, found.write_access)
