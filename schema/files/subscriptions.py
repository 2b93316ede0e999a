"""Following a file's processing to its end."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers import files
from schema.context import Info
from schema.files.types import FileStatusEvent, status_of


@strawberry.type
class FileSubscriptions:
    @strawberry.subscription(description="A file's processing status now, then each change "
                                         "until COMPLETED or FAILED (whoever may read the "
                                         "file; NOT_FOUND otherwise).")
    async def file_status(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The file.")],
    ) -> AsyncGenerator[FileStatusEvent, None]:
        async for event in files.follow_file_status(info.context, str(id)):
            yield FileStatusEvent(file_id=strawberry.ID(event["file_id"]),
                                  status=status_of(event.get("status")),
                                  error=event.get("error"))
