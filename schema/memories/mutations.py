"""Changing your memories. Each mutation embeds before it writes and commits its own
short transactions (so it is marked as not writing in the operation's transaction): an
embedding upstream that fails leaves nothing written, and answers UPSTREAM_FAILED or
UNAVAILABLE."""

from typing import Annotated

import strawberry

from resolvers.memories import memories, search
from schema.context import Info
from schema.memories.types import Memory, MemoryType

OWN = {"writes": False}


@strawberry.input(description="A new memory.")
class AddMemoryInput:
    content: str = strawberry.field(description="What to remember (not empty).")
    type: MemoryType = strawberry.field(default=MemoryType.CONTEXT,
                                        description="What kind of memory.")
    path: str | None = strawberry.field(default=None, description="Where to file it.")


@strawberry.input(description="Change a memory; fields left out keep their value.")
class UpdateMemoryInput:
    id: strawberry.ID = strawberry.field(description="The memory.")
    content: str | None = strawberry.field(default=None, description="New content.")
    type: MemoryType | None = strawberry.field(default=None, description="New kind.")
    path: str | None = strawberry.field(default=None, description="New path.")


@strawberry.input(description="The memory to delete.")
class DeleteMemoryInput:
    id: strawberry.ID = strawberry.field(description="The memory.")


@strawberry.type(description="The memory as stored.")
class MemoryPayload:
    memory: Memory = strawberry.field(description="The memory.")


@strawberry.type(description="Whether the memory was there to delete.")
class DeleteMemoryPayload:
    deleted: bool = strawberry.field(description="False when there was no such memory.")


@strawberry.type(description="How many memories were affected.")
class MemoryCountPayload:
    count: int = strawberry.field(description="How many memories.")


@strawberry.type
class MemoryMutations:
    @strawberry.mutation(description="Remember something: it is embedded, then stored.",
                         metadata=OWN)
    async def add_memory(
        self, info: Info,
        input: Annotated[AddMemoryInput, strawberry.argument(description="The new memory.")],
    ) -> MemoryPayload:
        row = await memories.add_memory(info.context, memories.MemoryCreate(
            content=input.content, type=input.type.value, path=input.path))
        return MemoryPayload(memory=Memory.from_row(row))

    @strawberry.mutation(description="Change one of your memories; it is embedded again.",
                         metadata=OWN)
    async def update_memory(
        self, info: Info,
        input: Annotated[UpdateMemoryInput,
                         strawberry.argument(description="The memory and its changes.")],
    ) -> MemoryPayload:
        row = await memories.update_memory(info.context, str(input.id), memories.MemoryUpdate(
            content=input.content, type=input.type.value if input.type else None,
            path=input.path))
        return MemoryPayload(memory=Memory.from_row(row))

    @strawberry.mutation(description="Forget one of your memories.", metadata=OWN)
    async def delete_memory(
        self, info: Info,
        input: Annotated[DeleteMemoryInput, strawberry.argument(description="The memory.")],
    ) -> DeleteMemoryPayload:
        return DeleteMemoryPayload(
            deleted=await memories.delete_memory(info.context, str(input.id)))

    @strawberry.mutation(description="Forget all your memories.", metadata=OWN)
    async def delete_all_memories(self, info: Info) -> MemoryCountPayload:
        return MemoryCountPayload(count=await memories.delete_all_memories(info.context))

    @strawberry.mutation(description="Embed all your memories again (after the embedding "
                                     "model changed).", metadata=OWN)
    async def reset_memories(self, info: Info) -> MemoryCountPayload:
        return MemoryCountPayload(count=await search.reset_memories(info.context))
