"""Changing workspace models: create, update, duplicate, toggle, delete, import, and
checking a definition without saving it (validateModel answers the same problems as
`POST /api/models/validate`)."""

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from resolvers.models import transfer, validation
from resolvers.models import workspace as workspace_models
from resolvers.models.workspace import Grant
from schema.context import Info
from schema.models.types import Permission, PrincipalType, WorkspaceModel


@strawberry.input(description="One grant of a new or changed model.")
class ModelGrantInput:
    principal_type: PrincipalType = strawberry.field(description="An account or a group.")
    principal_id: str = strawberry.field(description="Its id; `*` with USER is everyone "
                                                     "signed in.")
    permission: Permission = strawberry.field(default=Permission.READ,
                                              description="Read (use) or write (change).")


def _grants(items: list[ModelGrantInput] | None) -> tuple[Grant, ...] | None:
    if items is None:
        return None
    return tuple(Grant(g.principal_type.value, g.principal_id, g.permission.value)
                 for g in items)


@strawberry.input(description="A new workspace model.")
class CreateModelInput:
    id: str = strawberry.field(description="The id requests will name it by (no spaces).")
    name: str = strawberry.field(description="Its display name.")
    base_model_id: str | None = strawberry.field(default=None, description="The model a "
                                                 "preset runs on (required for non-admins).")
    params: JSON | None = strawberry.field(default=None, description="Its parameters.")
    meta: JSON | None = strawberry.field(default=None, description="Description, tags, "
                                         "knowledge, ... as Open WebUI keeps them.")
    grants: list[ModelGrantInput] | None = strawberry.field(default=None,
                                                            description="Who may use it.")
    is_active: bool = strawberry.field(default=True, description="Listed and usable.")
    commit_message: str | None = strawberry.field(default=None, description="Recorded "
                                                  "with its first version.")


@strawberry.input(description="Changes to a workspace model; absent fields stay.")
class UpdateModelInput:
    id: strawberry.ID = strawberry.field(description="The model.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    base_model_id: str | None = strawberry.field(default=None, description="A new base.")
    params: JSON | None = strawberry.field(default=None, description="New parameters.")
    meta: JSON | None = strawberry.field(default=None, description="A new meta object.")
    grants: list[ModelGrantInput] | None = strawberry.field(default=None,
                                                            description="New grants.")
    is_active: bool | None = strawberry.field(default=None, description="On or off.")
    commit_message: str | None = strawberry.field(default=None, description="Recorded "
                                                  "with the new version.")
    version_id: str | None = strawberry.field(default=None, description="The version the "
                                              "change is based on; another one in use now "
                                              "refuses it (CONFLICT).")


@strawberry.input(description="Copy a model the caller may read.")
class DuplicateModelInput:
    id: strawberry.ID = strawberry.field(description="The model to copy.")
    new_id: str | None = strawberry.field(default=None, description="The copy's id "
                                          "(default `<id>-copy`, then `-copy-2`, ...).")
    name: str | None = strawberry.field(default=None, description="The copy's name.")


@strawberry.input(description="One model by id.")
class ModelIdInput:
    id: strawberry.ID = strawberry.field(description="The model.")


@strawberry.input(description="Models to create or, where the id exists, update.")
class ImportModelsInput:
    models: list[CreateModelInput] = strawberry.field(description="All or none are saved.")


@strawberry.input(description="A model definition to check, in Open WebUI's JSON form "
                              "(id, name, base_model_id, params, meta).")
class ValidateModelInput:
    definition: JSON = strawberry.field(description="The definition.")
    update: bool = strawberry.field(default=False, description="Check it as a change of "
                                    "the existing model with this id.")


@strawberry.type(description="The model after the change.")
class ModelPayload:
    model: WorkspaceModel = strawberry.field(description="The model.")


@strawberry.type(description="The imported models.")
class ImportModelsPayload:
    models: list[WorkspaceModel] = strawberry.field(description="In the order given.")


@strawberry.type(description="Whether a model was deleted.")
class DeleteModelPayload:
    deleted: bool = strawberry.field(description="True once it is gone.")


@strawberry.type(description="One problem of a model definition.")
class ModelProblem:
    field: str = strawberry.field(description="Where: `id`, `params.temperature`, ...")
    message: str = strawberry.field(description="What is wrong, in a sentence.")


@strawberry.type(description="What checking a definition found.")
class ValidateModelPayload:
    valid: bool = strawberry.field(description="No problem: it would be saved.")
    problems: list[ModelProblem] = strawberry.field(description="Every problem found.")


def _object(value: Any) -> dict:
    return dict(value) if isinstance(value, dict) else {}


def _create(data: CreateModelInput) -> workspace_models.ModelCreate:
    return workspace_models.ModelCreate(
        id=data.id, name=data.name, meta=_object(data.meta), params=_object(data.params),
        base_model_id=data.base_model_id, access_grants=_grants(data.grants),
        is_active=data.is_active, commit_message=data.commit_message)


CreateArg = Annotated[CreateModelInput, strawberry.argument(description="The new model.")]
UpdateArg = Annotated[UpdateModelInput, strawberry.argument(description="The changes.")]
DuplicateArg = Annotated[DuplicateModelInput, strawberry.argument(description="What to copy.")]
IdArg = Annotated[ModelIdInput, strawberry.argument(description="The model.")]
ImportArg = Annotated[ImportModelsInput, strawberry.argument(description="The models.")]
ValidateArg = Annotated[ValidateModelInput, strawberry.argument(description="The definition.")]


@strawberry.type
class WorkspaceModelMutations:
    @strawberry.mutation(description="Create a workspace model (administrators, and users "
                                     "with the workspace.models permission: presets only).")
    async def create_model(self, info: Info, input: CreateArg) -> ModelPayload:
        found = await workspace_models.create_workspace_model(info.context, _create(input))
        return ModelPayload(model=WorkspaceModel.from_found(found))

    @strawberry.mutation(description="Change a model (its owner, write grants, admins); "
                                     "stores a new version.")
    async def update_model(self, info: Info, input: UpdateArg) -> ModelPayload:
        found = await workspace_models.update_workspace_model(
            info.context, str(input.id), workspace_models.ModelUpdate(
                name=input.name, base_model_id=input.base_model_id,
                params=None if input.params is None else _object(input.params),
                meta=None if input.meta is None else _object(input.meta),
                access_grants=_grants(input.grants), is_active=input.is_active,
                commit_message=input.commit_message, version_id=input.version_id))
        return ModelPayload(model=WorkspaceModel.from_found(found))

    @strawberry.mutation(description="Copy a model: a new id, the caller as owner, shared "
                                     "with nobody.")
    async def duplicate_model(self, info: Info, input: DuplicateArg) -> ModelPayload:
        found = await transfer.duplicate_model(info.context, str(input.id),
                                               new_id=input.new_id, name=input.name)
        return ModelPayload(model=WorkspaceModel.from_found(found))

    @strawberry.mutation(description="Switch a model on or off.")
    async def toggle_model(self, info: Info, input: IdArg) -> ModelPayload:
        found = await workspace_models.toggle_workspace_model(info.context, str(input.id))
        return ModelPayload(model=WorkspaceModel.from_found(found))

    @strawberry.mutation(description="Delete a model with its grants and versions.")
    async def delete_model(self, info: Info, input: IdArg) -> DeleteModelPayload:
        deleted = await workspace_models.delete_workspace_model(info.context, str(input.id))
        return DeleteModelPayload(deleted=deleted)

    @strawberry.mutation(description="Administrators: create or update many models at once.")
    async def import_models(self, info: Info, input: ImportArg) -> ImportModelsPayload:
        found = await transfer.import_models(info.context, [_create(m) for m in input.models])
        return ImportModelsPayload(models=[WorkspaceModel.from_found(m) for m in found])

    @strawberry.mutation(description="Check a model definition without saving it.")
    async def validate_model(self, info: Info, input: ValidateArg) -> ValidateModelPayload:
        if isinstance(input.definition, dict):
            problems = await validation.validate_model(info.context, input.definition,
                                                       update=input.update)
        else:
            problems = [validation.Problem("definition", "A definition is a JSON object.")]
        return ValidateModelPayload(valid=not problems, problems=[
            ModelProblem(field=p.field, message=p.message) for p in problems])
