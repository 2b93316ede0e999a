"""File and its processing status. `owner` goes through the unit of work's user loader,
so a page of files with their owners costs a fixed number of statements."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from data.tables import FileRow
from resolvers import files
from schema.context import Info
from schema.scalars import timestamp
from schema.users.types import User


@strawberry.enum(description="Where a file's processing (text extraction and chunking) is.")
class FileStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Queued.")
    PROCESSING = strawberry.enum_value("processing", description="Being read and cut up.")
    COMPLETED = strawberry.enum_value("completed", description="Its text and chunks are "
                                                               "ready.")
    FAILED = strawberry.enum_value("failed", description="It could not be read; see `error`. "
                                                         "It can be processed again.")


def status_of(value: object) -> FileStatus | None:
    try:
        return FileStatus(value)
    except ValueError:
        return None


@strawberry.type(description="An uploaded file (Open WebUI's `file` row).")
class File:
    id: strawberry.ID = strawberry.field(description="The file's id (the same as over REST).")
    filename: str = strawberry.field(description="Its name, made safe when uploaded.")
    content_type: str | None = strawberry.field(description="The media type it was sent as.")
    size: int | None = strawberry.field(description="Its size in bytes.")
    file_hash: str | None = strawberry.field(description="SHA-256 of its bytes (hex).")
    content_hash: str | None = strawberry.field(
        description="SHA-256 of its extracted text, once processed (Open WebUI's `hash`).")
    status: FileStatus | None = strawberry.field(
        description="Processing status; null for a file uploaded without processing.")
    error: str | None = strawberry.field(description="Why processing failed, if it did.")
    metadata: JSON = strawberry.field(description="What the client sent with the upload.")
    created_at: datetime = strawberry.field(description="When it was uploaded.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    user_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: FileRow) -> "File":
        meta = row.meta if isinstance(row.meta, dict) else {}
        data = row.data if isinstance(row.data, dict) else {}
        size = meta.get("size")
        return cls(id=strawberry.ID(row.id), filename=row.filename,
                   content_type=meta.get("content_type"),
                   size=size if isinstance(size, int) else None,
                   file_hash=meta.get("file_hash"), content_hash=row.hash,
                   status=status_of(data.get("status")), error=data.get("error"),
                   metadata=meta.get("data") if isinstance(meta.get("data"), dict) else {},
                   created_at=timestamp(row.created_at), updated_at=timestamp(row.updated_at),
                   user_id=row.user_id)

    @strawberry.field(description="Who uploaded it.")
    async def owner(self, info: Info) -> User | None:
        row = await files.get_file_owner(info.context, self.user_id)
        return User.from_row(row) if row else None

    @strawberry.field(description="Its extracted text; empty until processing completed.")
    async def text(self, info: Info) -> str:
        return await files.get_file_text(info.context, str(self.id))


@strawberry.type(description="A change of a file's processing status.")
class FileStatusEvent:
    file_id: strawberry.ID = strawberry.field(description="The file.")
    status: FileStatus | None = strawberry.field(description="Its status now.")
    error: str | None = strawberry.field(description="Why it failed, when it did.")
