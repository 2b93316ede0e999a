"""Inputs that name files elsewhere in the schema (messages, grounded answers)."""

import strawberry


@strawberry.input(description="A file named on a message: an attachment, and a document to "
                              "ground an answer in (its chunks are searched with the "
                              "message).")
class FileRefInput:
    id: strawberry.ID = strawberry.field(description="The file (yours, or one you may read).")
    full_context: bool = strawberry.field(
        default=False, description="Send its whole text instead of the best passages "
                                   "(Open WebUI's `context: full`).")

    def to_item(self) -> dict:
        """The file as Open WebUI's message `files` item."""
        item: dict = {"type": "file", "id": str(self.id)}
        return {**item, "context": "full"} if self.full_context else item
