"""The Memory type: a fact the user asked the assistant to remember."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from data.tables import MemoryRow
from schema.scalars import timestamp


@strawberry.enum(description="Open WebUI's kinds of memory.")
class MemoryType(Enum):
    USER = strawberry.enum_value("user", description="About the user.")
    CONTEXT = strawberry.enum_value("context", description="Context for conversations.")


@strawberry.type(description="One of your memories, searchable by meaning.")
class Memory:
    id: strawberry.ID = strawberry.field(description="The memory's UUID, as on REST.")
    type: MemoryType = strawberry.field(description="What kind of memory it is.")
    path: str | None = strawberry.field(description="Where it is filed: slash-separated "
                                                    "names, or none.")
    content: str = strawberry.field(description="What to remember.")
    meta: JSON | None = strawberry.field(description="Free JSON, e.g. who created it.")
    created_at: datetime | None = strawberry.field(description="When it was added.")
    updated_at: datetime | None = strawberry.field(description="When it last changed.")

    @classmethod
    def from_row(cls, row: MemoryRow) -> "Memory":
        kind = MemoryType(row.type) if row.type in ("user", "context") else MemoryType.CONTEXT
        return cls(id=strawberry.ID(row.id), type=kind, path=row.path, content=row.content,
                   meta=row.meta, created_at=timestamp(row.created_at),
                   updated_at=timestamp(row.updated_at))


@strawberry.type(description="A memory found by a search, with how near it is.")
class MemoryMatch:
    memory: Memory = strawberry.field(description="The memory.")
    score: float = strawberry.field(description="(1 + cosine similarity) / 2, from 0 to 1; "
                                                "higher is nearer.")
