"""Sharing models: who may use one (Open WebUI's model access)."""

from typing import Annotated

import strawberry

from resolvers.models import workspace as workspace_models
from resolvers.models.workspace import Grant
from schema.context import Info
from schema.models.types import AccessGrant, Permission, PrincipalType
from schema.models.workspace_mutations import WorkspaceModelMutations


@strawberry.input(description="One grant.")
class AccessGrantInput:
    principal_type: PrincipalType = strawberry.field(description="An account or a group.")
    principal_id: str = strawberry.field(description="Its id; `*` with USER is everyone "
                                                     "signed in.")
    permission: Permission = strawberry.field(default=Permission.READ,
                                              description="Read (use) or write (change).")


@strawberry.input(description="Replace who may use a model.")
class UpdateModelAccessInput:
    model_id: strawberry.ID = strawberry.field(description="The model (an upstream model "
                                                           "or a preset).")
    grants: list[AccessGrantInput] = strawberry.field(description="The new grants; an empty "
                                                                  "list unshares it.")


@strawberry.type(description="The model's grants after the change.")
class UpdateModelAccessPayload:
    model_id: strawberry.ID = strawberry.field(description="The model.")
    access_grants: list[AccessGrant] = strawberry.field(description="Its grants now.")


@strawberry.type
class ModelMutations(WorkspaceModelMutations):
    @strawberry.mutation(description="Share a model (administrators, or whoever may change "
                                     "the model). Granting USER `*` READ makes an upstream "
                                     "model usable by everyone signed in.")
    async def update_model_access(
        self, info: Info,
        input: Annotated[UpdateModelAccessInput,
                         strawberry.argument(description="The model and its grants.")],
    ) -> UpdateModelAccessPayload:
        grants = tuple(Grant(g.principal_type.value, g.principal_id, g.permission.value)
                       for g in input.grants)
        found = await workspace_models.update_model_access(info.context, str(input.model_id),
                                                           grants)
        return UpdateModelAccessPayload(
            model_id=strawberry.ID(found.row.id),
            access_grants=[AccessGrant(principal_type=PrincipalType(g.principal_type),
                                       principal_id=g.principal_id,
                                       permission=Permission(g.permission))
                           for g in found.grants])
