"""Reading files: the caller's files as a connection, and one file."""

from typing import Annotated

import strawberry

from resolvers import files
from resolvers.errors import Invalid
from schema.context import Info
from schema.files.types import File
from schema.pagination import Connection, offset_connection, start_after

MAX_PAGE = 200


@strawberry.type
class FileQueries:
    @strawberry.field(description="The caller's files (administrators: everyone's), newest "
                                  "change first, a page at a time.")
    async def files(
        self, info: Info,
        first: Annotated[int, strawberry.argument(
            description=f"Page size, 0 to {MAX_PAGE}.")] = 50,
        after: Annotated[str | None, strawberry.argument(
            description="Start after this cursor (a previous page's endCursor).")] = None,
        search: Annotated[str | None, strawberry.argument(
            description="Only files whose name contains this text.")] = None,
    ) -> Connection[File]:
        if not 0 <= first <= MAX_PAGE:
            raise Invalid(f"`first` must be from 0 to {MAX_PAGE}.", reason="invalid_page",
                          field="first")
        offset = start_after("files", after)
        page = await files.list_files(info.context, search=search, offset=offset, limit=first)
        return offset_connection("files", page.files, offset=offset, total=page.total,
                                 node=File.from_row)

    @strawberry.field(description="One file: the caller's own, one granted to them, or (for "
                                  "administrators) anyone's. NOT_FOUND otherwise.")
    async def file(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The file's id.")],
    ) -> File:
        return File.from_row(await files.get_file(info.context, str(id)))
