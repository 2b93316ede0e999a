"""The Function type: an admin-written Open WebUI module (a pipe, filter or action)."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from data.tables import FunctionRow
from resolvers.functions import records, valves
from schema.context import Info
from schema.scalars import timestamp


@strawberry.enum(description="What a function does, from the class its module defines.")
class FunctionType(Enum):
    PIPE = strawberry.enum_value("pipe", description="A model of its own (`Pipe`).")
    FILTER = strawberry.enum_value("filter", description="Edits requests and answers "
                                                         "around completions (`Filter`).")
    ACTION = strawberry.enum_value("action", description="A button on a message (`Action`).")


@strawberry.type(description="A function, run only in a worker process with limits.")
class Function:
    id: strawberry.ID = strawberry.field(description="Its id, a Python identifier.")
    name: str = strawberry.field(description="Its name.")
    type: FunctionType = strawberry.field(description="Pipe, filter or action.")
    meta: JSON | None = strawberry.field(description="Description and `manifest`, the "
                                                     "module docstring's front matter.")
    is_active: bool = strawberry.field(description="Whether it acts at all.")
    is_global: bool = strawberry.field(description="A filter on every model.")
    user_id: str | None = strawberry.field(description="Who wrote it.")
    created_at: datetime | None = strawberry.field(description="When it was created.")
    updated_at: datetime | None = strawberry.field(description="When it last changed.")
    row: strawberry.Private[FunctionRow]

    @strawberry.field(description="Its Python code; administrators only, else null.")
    async def content(self, info: Info) -> str | None:
        return await records.content_for_viewer(info.context, self.row)

    @strawberry.field(description="Its valves (settings, often secrets); administrators "
                                  "only, else null.")
    async def valves(self, info: Info) -> JSON | None:
        return await valves.valves_for_viewer(info.context, self.row)

    @classmethod
    def from_row(cls, row: FunctionRow) -> "Function":
        kind = FunctionType(row.type) if row.type in ("pipe", "filter", "action") \
            else FunctionType.ACTION
        return cls(id=strawberry.ID(row.id), name=row.name, type=kind, meta=row.meta,
                   is_active=bool(row.is_active), is_global=bool(row.is_global),
                   user_id=row.user_id, created_at=timestamp(row.created_at),
                   updated_at=timestamp(row.updated_at), row=row)
