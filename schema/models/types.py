"""The Model type: one model a caller may use, where it runs, who owns it and who it is
shared with (owners and grants through the unit of work's dataloaders, so a page of
models costs the same statements whatever its size); WorkspaceModel: a `model` row as
the model mutations return it."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from data.tables import AccessGrantRow, ModelRow
from resolvers.loaders import loaders
from resolvers.models import catalog_search
from resolvers.models.models import AvailableModel
from resolvers.models.workspace import WorkspaceModel as Found
from schema.context import Info
from schema.scalars import timestamp
from schema.users.types import User


@strawberry.enum(description="The kind of upstream server a model runs on.")
class UpstreamKind(Enum):
    OLLAMA = strawberry.enum_value("ollama", description="An Ollama server.")
    OPENAI = strawberry.enum_value("openai", description="An OpenAI-compatible server.")


@strawberry.enum(description="Who a grant is for.")
class PrincipalType(Enum):
    USER = strawberry.enum_value("user", description="One account, or `*` for everyone "
                                                     "signed in.")
    GROUP = strawberry.enum_value("group", description="Every member of a group.")


@strawberry.enum(description="What a grant allows.")
class Permission(Enum):
    READ = strawberry.enum_value("read", description="Use the model.")
    WRITE = strawberry.enum_value("write", description="Use and change the model.")


@strawberry.type(description="One configured upstream connection serving a model.")
class UpstreamConnection:
    kind: UpstreamKind = strawberry.field(description="Ollama or OpenAI-compatible.")
    index: int = strawberry.field(description="Its place in the configured list (Open "
                                              "WebUI's `url_idx`).")


@strawberry.type(description="Who may use a model.")
class AccessGrant:
    principal_type: PrincipalType = strawberry.field(description="An account or a group.")
    principal_id: str = strawberry.field(description="Its id; `*` with USER is everyone "
                                                     "signed in.")
    permission: Permission = strawberry.field(description="Read (use) or write (change).")


@strawberry.type(description="A knowledge base a preset answers from.")
class ModelKnowledge:
    id: strawberry.ID = strawberry.field(description="The knowledge base's id.")
    name: str | None = strawberry.field(description="Its name, as the preset recorded it.")


@strawberry.type(description="A model the caller may use: an upstream model, or a preset "
                             "built on one.")
class Model:
    id: strawberry.ID = strawberry.field(description="The id requests name it by.")
    name: str = strawberry.field(description="Its display name.")
    kind: UpstreamKind = strawberry.field(description="The kind of upstream it runs on.")
    connections: list[UpstreamConnection] = strawberry.field(
        description="The upstream connections serving it (requests are spread over them).")
    connection_type: str = strawberry.field(description="`local` or `external`, as "
                                                        "configured.")
    preset: bool = strawberry.field(description="A workspace preset on a base model.")
    base_model_id: str | None = strawberry.field(description="A preset's base model.")
    loaded_until: datetime | None = strawberry.field(
        description="Ollama: kept in memory until then (null when not loaded).")
    description: str | None = strawberry.field(description="What its workspace row says "
                                                           "it is for.")
    tags: list[str] = strawberry.field(description="Its tags' names.")
    knowledge: list[ModelKnowledge] = strawberry.field(
        description="The knowledge bases a preset answers from (its `meta.knowledge`).")
    row: strawberry.Private[ModelRow | None]
    peers: strawberry.Private[dict[str, AvailableModel]]

    @strawberry.field(description="The model a preset runs on; null for an upstream model, "
                                  "or when the caller may not use the base model.")
    def base_model(self) -> "Model | None":
        base = self.peers.get(self.base_model_id) if self.base_model_id else None
        return Model.from_available(base, self.peers) if base is not None else None

    @strawberry.field(description="Who made its workspace row (null: no row, or the account "
                                  "is gone).")
    async def owner(self, info: Info) -> User | None:
        return await owner_of(info, self.row)

    @strawberry.field(description="Who it is shared with (empty: administrators and its "
                                  "owner only).")
    async def access_grants(self, info: Info) -> list[AccessGrant]:
        return await grants_of(info, self.row)

    @strawberry.field(description="The same as accessGrants.")
    async def grants(self, info: Info) -> list[AccessGrant]:
        return await grants_of(info, self.row)

    @classmethod
    def from_available(cls, model: AvailableModel,
                       peers: dict[str, AvailableModel] | None = None) -> "Model":
        entry = model.entry
        kind = UpstreamKind(entry.kind)
        return cls(
            id=strawberry.ID(model.id), name=model.name, kind=kind,
            connections=[UpstreamConnection(kind=kind, index=i) for i in entry.urls],
            connection_type=entry.connection_type, preset=model.preset,
            base_model_id=model.row.base_model_id if model.row is not None else None,
            loaded_until=timestamp(entry.expires_at) if entry.expires_at else None,
            description=catalog_search.description_of(model.row),
            tags=catalog_search.tags_of(model),
            knowledge=knowledge_list(model.row), row=model.row, peers=peers or {})


def grant_list(rows: list[AccessGrantRow]) -> list[AccessGrant]:
    return [AccessGrant(principal_type=PrincipalType(g.principal_type),
                        principal_id=g.principal_id, permission=Permission(g.permission))
            for g in rows if g.principal_type in ("user", "group")]


def knowledge_list(row: ModelRow | None) -> list[ModelKnowledge]:
    return [ModelKnowledge(id=strawberry.ID(k.id), name=k.name)
            for k in catalog_search.knowledge_of(row)]


async def owner_of(info: Info, row: ModelRow | None) -> User | None:
    if row is None:
        return None
    found = await loaders(info.context).users.load(row.user_id)
    return User.from_row(found) if found is not None else None


async def grants_of(info: Info, row: ModelRow | None) -> list[AccessGrant]:
    if row is None:
        return []
    return grant_list(await loaders(info.context).model_grants.load(row.id))


@strawberry.type(description="A workspace model as stored: an upstream model's settings "
                             "(no base model) or a preset on a base model.")
class WorkspaceModel:
    id: strawberry.ID = strawberry.field(description="The id requests name it by.")
    name: str = strawberry.field(description="Its display name.")
    base_model_id: str | None = strawberry.field(description="A preset's base model.")
    is_active: bool = strawberry.field(description="Off: hidden from every list.")
    version_id: str | None = strawberry.field(description="The saved version in use.")
    description: str | None = strawberry.field(description="What it is for.")
    tags: list[str] = strawberry.field(description="Its tags' names.")
    knowledge: list[ModelKnowledge] = strawberry.field(description="Its knowledge bases.")
    params: JSON = strawberry.field(description="Its parameters (system prompt, sampling); "
                                                "empty for a caller who may only use it.")
    write_access: bool = strawberry.field(description="The caller may change it.")
    created_at: datetime = strawberry.field(description="When it was made.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    row: strawberry.Private[ModelRow]

    @strawberry.field(description="Who made it (null once the account is gone).")
    async def owner(self, info: Info) -> User | None:
        return await owner_of(info, self.row)

    @strawberry.field(description="Who it is shared with.")
    async def grants(self, info: Info) -> list[AccessGrant]:
        return await grants_of(info, self.row)

    @classmethod
    def from_found(cls, found: Found) -> "WorkspaceModel":
        row = found.row
        params = row.params if isinstance(row.params, dict) else {}
        return cls(id=strawberry.ID(row.id), name=row.name, base_model_id=row.base_model_id,
                   is_active=row.is_active, version_id=row.version_id,
                   description=catalog_search.description_of(row),
                   tags=catalog_search.row_tags(row), knowledge=knowledge_list(row),
                   params=params if found.write_access else {},
                   write_access=found.write_access, created_at=timestamp(row.created_at),
                   updated_at=timestamp(row.updated_at), row=row)
