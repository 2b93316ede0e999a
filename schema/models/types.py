"""The Model type: one model a caller may use, where it runs, and who it is shared with."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from resolvers.models.models import AvailableModel
from schema.scalars import timestamp


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
class ModelConnection:
    kind: UpstreamKind = strawberry.field(description="Ollama or OpenAI-compatible.")
    index: int = strawberry.field(description="Its place in the configured list (Open "
                                              "WebUI's `url_idx`).")


@strawberry.type(description="Who may use a model.")
class AccessGrant:
    principal_type: PrincipalType = strawberry.field(description="An account or a group.")
    principal_id: str = strawberry.field(description="Its id; `*` with USER is everyone "
                                                     "signed in.")
    permission: Permission = strawberry.field(description="Read (use) or write (change).")


@strawberry.type(description="A model the caller may use: an upstream model, or a preset "
                             "built on one.")
class Model:
    id: strawberry.ID = strawberry.field(description="The id requests name it by.")
    name: str = strawberry.field(description="Its display name.")
    kind: UpstreamKind = strawberry.field(description="The kind of upstream it runs on.")
    connections: list[ModelConnection] = strawberry.field(
        description="The upstream connections serving it (requests are spread over them).")
    connection_type: str = strawberry.field(description="`local` or `external`, as "
                                                        "configured.")
    preset: bool = strawberry.field(description="A workspace preset on a base model.")
    base_model_id: str | None = strawberry.field(description="A preset's base model.")
    loaded_until: datetime | None = strawberry.field(
        description="Ollama: kept in memory until then (null when not loaded).")
    access_grants: list[AccessGrant] = strawberry.field(
        description="Who it is shared with (empty: administrators and its owner only).")

    @classmethod
    def from_available(cls, model: AvailableModel) -> Model:
        entry = model.entry
        kind = UpstreamKind(entry.kind)
        return cls(
            id=strawberry.ID(model.id), name=model.name, kind=kind,
            connections=[ModelConnection(kind=kind, index=i) for i in entry.urls],
            connection_type=entry.connection_type, preset=model.preset,
            base_model_id=model.row.base_model_id if model.row is not None else None,
            loaded_until=timestamp(entry.expires_at) if entry.expires_at else None,
            access_grants=[AccessGrant(principal_type=PrincipalType(g.principal_type),
                                       principal_id=g.principal_id,
                                       permission=Permission(g.permission))
                           for g in model.grants if g.principal_type in ("user", "group")])
