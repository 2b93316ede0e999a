"""Uploading (GraphQL multipart request spec), changing, reprocessing and deleting files."""

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from resolvers import files
from resolvers.errors import Invalid
from schema.context import Info
from schema.files.types import File


@strawberry.input(description="A file to upload, sent as a part of a multipart request "
                              "(the GraphQL multipart request spec).")
class UploadFileInput:
    file: Upload = strawberry.field(description="The file part.")
    process: bool = strawberry.field(default=True, description="Extract its text and cut it "
                                                               "into chunks, in the "
                                                               "background.")
    metadata: JSON | None = strawberry.field(default=None, description="Client metadata kept "
                                                                       "with the file.")


@strawberry.input(description="Which file.")
class FileIdInput:
    id: strawberry.ID = strawberry.field(description="The file's id.")


@strawberry.input(description="Replace a file's extracted text.")
class UpdateFileTextInput:
    id: strawberry.ID = strawberry.field(description="The file's id.")
    text: str = strawberry.field(description="The new text; it is cut into chunks again.")


@strawberry.type(description="The file after the change.")
class FilePayload:
    file: File = strawberry.field(description="The file.")


@strawberry.type(description="The file that was deleted.")
class DeleteFilePayload:
    id: strawberry.ID = strawberry.field(description="The deleted file's id.")


@strawberry.type
class FileMutations:
    @strawberry.mutation(description="Upload a file (approved accounts). With `process`, "
                                     "its status starts PENDING; follow it with the "
                                     "`fileStatus` subscription.")
    async def upload_file(
        self, info: Info,
        input: Annotated[UploadFileInput, strawberry.argument(description="The file.")],
    ) -> FilePayload:
        part = input.file
        if not hasattr(part, "file") or not hasattr(part, "filename"):
            raise Invalid("`file` must be a file part of a multipart request.",
                          reason="invalid_upload", field="file")
        if input.metadata is not None and not isinstance(input.metadata, dict):
            raise Invalid("`metadata` must be an object.", reason="invalid_metadata",
                          field="metadata")
        row = await files.upload_file(info.context, files.FileUpload(
            name=part.filename or "file", source=part.file, content_type=part.content_type,
            metadata=input.metadata or {}, process=input.process))
        return FilePayload(file=File.from_row(row))

    @strawberry.mutation(description="Process a file again, e.g. one that FAILED (its owner, "
                                     "administrators, or a write grant).")
    async def process_file(
        self, info: Info,
        input: Annotated[FileIdInput, strawberry.argument(description="The file.")],
    ) -> FilePayload:
        return FilePayload(file=File.from_row(await files.process_file(info.context,
                                                                       str(input.id))))

    @strawberry.mutation(description="Replace a file's extracted text; its chunks and "
                                     "vectors are re-made in the background (status "
                                     "PENDING, as processFile).")
    async def update_file_text(
        self, info: Info,
        input: Annotated[UpdateFileTextInput, strawberry.argument(description="The text.")],
    ) -> FilePayload:
        row = await files.update_file_text(info.context, str(input.id), input.text)
        return FilePayload(file=File.from_row(row))

    @strawberry.mutation(description="Delete a file, its chunks and its bytes (its owner, "
                                     "administrators, or a write grant).")
    async def delete_file(
        self, info: Info,
        input: Annotated[FileIdInput, strawberry.argument(description="The file.")],
    ) -> DeleteFilePayload:
        await files.delete_file(info.context, str(input.id))
        return DeleteFilePayload(id=input.id)
