"""Changing knowledge bases. Creating, updating and sharing one are ordinary mutations;
deleting one and adding or removing a file also write its vector collection, so they
commit their own short transactions (marked as not writing in the operation's): send
them in an operation without other changes. An embedding upstream that fails answers
UPSTREAM_FAILED or UNAVAILABLE and leaves nothing linked."""

from typing import Annotated

import strawberry

from resolvers.knowledge import files, knowledge
from resolvers.knowledge.rules import Grant
from schema.context import Info
from schema.knowledge.types import KnowledgeBase
from schema.models.mutations import AccessGrantInput

OWN = {"writes": False}


def _grants(items: list[AccessGrantInput] | None) -> tuple[Grant, ...] | None:
    if items is None:
        return None
    return tuple(Grant(g.principal_type.value, g.principal_id, g.permission.value)
                 for g in items)


@strawberry.input(description="A new knowledge base.")
class CreateKnowledgeBaseInput:
    name: str = strawberry.field(description="Its name (1 to 255 characters).")
    description: str = strawberry.field(default="", description="What it holds.")
    grants: list[AccessGrantInput] | None = strawberry.field(
        default=None, description="Who to share it with (grants you may not give are "
                                  "dropped).")


@strawberry.input(description="Change a knowledge base; fields left out keep their value.")
class UpdateKnowledgeBaseInput:
    id: strawberry.ID = strawberry.field(description="The knowledge base.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    description: str | None = strawberry.field(default=None, description="A new "
                                                                         "description.")


@strawberry.input(description="Replace who may read or change a knowledge base.")
class UpdateKnowledgeBaseAccessInput:
    id: strawberry.ID = strawberry.field(description="The knowledge base.")
    grants: list[AccessGrantInput] = strawberry.field(description="The new grants; an "
                                                                  "empty list unshares it.")


@strawberry.input(description="The knowledge base to delete.")
class DeleteKnowledgeBaseInput:
    id: strawberry.ID = strawberry.field(description="The knowledge base.")


@strawberry.input(description="A file to add to a knowledge base.")
class AddKnowledgeBaseFileInput:
    knowledge_base_id: strawberry.ID = strawberry.field(description="The knowledge base.")
    file_id: strawberry.ID = strawberry.field(description="A processed file you may read.")


@strawberry.input(description="A file of a knowledge base to embed again.")
class UpdateKnowledgeBaseFileInput:
    knowledge_base_id: strawberry.ID = strawberry.field(description="The knowledge base.")
    file_id: strawberry.ID = strawberry.field(description="A file it holds.")


@strawberry.input(description="The knowledge base to empty.")
class ResetKnowledgeBaseInput:
    id: strawberry.ID = strawberry.field(description="The knowledge base.")


@strawberry.input(description="A file to take out of a knowledge base.")
class RemoveKnowledgeBaseFileInput:
    knowledge_base_id: strawberry.ID = strawberry.field(description="The knowledge base.")
    file_id: strawberry.ID = strawberry.field(description="The file.")
    delete_file: bool = strawberry.field(
        default=False, description="Also delete the file itself, when it is yours (Open "
                                   "WebUI's REST route does by default; here you ask).")


@strawberry.type(description="The knowledge base as stored.")
class KnowledgeBasePayload:
    knowledge_base: KnowledgeBase = strawberry.field(description="The knowledge base.")


@strawberry.type(description="The knowledge base that was deleted.")
class DeleteKnowledgeBasePayload:
    id: strawberry.ID = strawberry.field(description="Its id.")


def _payload(found) -> KnowledgeBasePayload:
    return KnowledgeBasePayload(knowledge_base=KnowledgeBase.from_found(found))


@strawberry.type
class KnowledgeMutations:
    @strawberry.mutation(description="Make a knowledge base (administrators, and accounts "
                                     "with the workspace.knowledge permission).")
    async def create_knowledge_base(
        self, info: Info,
        input: Annotated[CreateKnowledgeBaseInput, strawberry.argument(
            description="The new knowledge base.")],
    ) -> KnowledgeBasePayload:
        return _payload(await knowledge.create_knowledge(info.context, knowledge.KnowledgeCreate(
            name=input.name, description=input.description, access_grants=_grants(input.grants))))

    @strawberry.mutation(description="Rename or describe a knowledge base you may change.")
    async def update_knowledge_base(
        self, info: Info,
        input: Annotated[UpdateKnowledgeBaseInput, strawberry.argument(
            description="The knowledge base and its changes.")],
    ) -> KnowledgeBasePayload:
        return _payload(await knowledge.update_knowledge(
            info.context, str(input.id),
            knowledge.KnowledgeUpdate(name=input.name, description=input.description)))

    @strawberry.mutation(description="Share a knowledge base you may change.")
    async def update_knowledge_base_access(
        self, info: Info,
        input: Annotated[UpdateKnowledgeBaseAccessInput, strawberry.argument(
            description="The knowledge base and its grants.")],
    ) -> KnowledgeBasePayload:
        return _payload(await knowledge.update_knowledge_access(
            info.context, str(input.id), _grants(input.grants) or ()))

    @strawberry.mutation(description="Delete a knowledge base you may change: its vectors, "
                                     "grants and file links go; the files stay.",
                         metadata=OWN)
    async def delete_knowledge_base(
        self, info: Info,
        input: Annotated[DeleteKnowledgeBaseInput, strawberry.argument(
            description="The knowledge base.")],
    ) -> DeleteKnowledgeBasePayload:
        await knowledge.delete_knowledge(info.context, str(input.id))
        return DeleteKnowledgeBasePayload(id=input.id)

    @strawberry.mutation(description="Add a processed file: its chunks are embedded into "
                                     "the knowledge base, then it is linked.", metadata=OWN)
    async def add_knowledge_base_file(
        self, info: Info,
        input: Annotated[AddKnowledgeBaseFileInput, strawberry.argument(
            description="The knowledge base and the file.")],
    ) -> KnowledgeBasePayload:
        return _payload(await files.add_file(info.context, str(input.knowledge_base_id),
                                             str(input.file_id)))

    @strawberry.mutation(description="Take a file out of a knowledge base, with its chunks.",
                         metadata=OWN)
    async def remove_knowledge_base_file(
        self, info: Info,
        input: Annotated[RemoveKnowledgeBaseFileInput, strawberry.argument(
            description="The knowledge base and the file.")],
    ) -> KnowledgeBasePayload:
        return _payload(await files.remove_file(info.context, str(input.knowledge_base_id),
                                                str(input.file_id),
                                                delete_file=input.delete_file))

    @strawberry.mutation(description="Embed a file of the knowledge base again (after its "
                                     "text changed); the old chunks go once the new ones "
                                     "are written.", metadata=OWN)
    async def update_knowledge_base_file(
        self, info: Info,
        input: Annotated[UpdateKnowledgeBaseFileInput, strawberry.argument(
            description="The knowledge base and the file.")],
    ) -> KnowledgeBasePayload:
        return _payload(await files.update_file(info.context, str(input.knowledge_base_id),
                                                str(input.file_id)))

    @strawberry.mutation(description="Empty a knowledge base: its vectors and file links "
                                     "go; the files stay.", metadata=OWN)
    async def reset_knowledge_base(
        self, info: Info,
        input: Annotated[ResetKnowledgeBaseInput, strawberry.argument(
            description="The knowledge base.")],
    ) -> KnowledgeBasePayload:
        return _payload(await knowledge.reset_knowledge(info.context, str(input.id)))
