"""Open WebUI's `access_grant` rows: who may read or write a shared resource (a model, a
knowledge base, ...). `user` + `*` means every signed-in user."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import AccessGrantRow
from data.tables.base import now_s

EVERYONE = "*"


@dataclass(frozen=True)
class Grant:
    principal_type: str  # "user", "group" or "anyone"
    principal_id: str
    permission: str  # "read" or "write"


class AccessGrantRepo:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def for_resources(self, resource_type: str, resource_ids: Sequence[str]
                            ) -> dict[str, list[AccessGrantRow]]:
        if not resource_ids:
            return {}
        stmt = (select(AccessGrantRow)
                .where(AccessGrantRow.resource_type == resource_type,
                       AccessGrantRow.resource_id.in_(list(resource_ids)))
                .order_by(AccessGrantRow.created_at, AccessGrantRow.id))
        found: dict[str, list[AccessGrantRow]] = defaultdict(list)
        for row in (await self.session.execute(stmt)).scalars():
            found[row.resource_id].append(row)
        return dict(found)

    async def granted(self, resource_type: str, *, user_id: str, group_ids: Iterable[str],
                      permission: str, resource_ids: Sequence[str] | None = None) -> set[str]:
        """Ids of the resources granted to this user directly, through one of these
        groups, or to every signed-in user. (A write grant includes read.)"""
        permissions = ["read", "write"] if permission == "read" else [permission]
        principals = [and_(AccessGrantRow.principal_type == "user",
                           AccessGrantRow.principal_id.in_([user_id, EVERYONE]))]
        groups = list(group_ids)
        if groups:
            principals.append(and_(AccessGrantRow.principal_type == "group",
                                   AccessGrantRow.principal_id.in_(groups)))
        stmt = select(AccessGrantRow.resource_id).where(
            AccessGrantRow.resource_type == resource_type,
            AccessGrantRow.permission.in_(permissions), or_(*principals))
        if resource_ids is not None:
            stmt = stmt.where(AccessGrantRow.resource_id.in_(list(resource_ids)))
        return set((await self.session.execute(stmt)).scalars())

    async def replace(self, resource_type: str, resource_id: str, grants: Iterable[Grant]
                      ) -> list[AccessGrantRow]:
        await self.delete_for(resource_type, resource_id)
        now, rows, seen = now_s(), [], set()
        for grant in grants:
            if grant in seen:
                continue
            seen.add(grant)
            rows.append(AccessGrantRow(
                id=str(uuid.uuid4()), resource_type=resource_type, resource_id=resource_id,
                principal_type=grant.principal_type, principal_id=grant.principal_id,
                permission=grant.permission, created_at=now))
        self.session.add_all(rows)
        await self.session.flush()
        return rows

    async def delete_for(self, resource_type: str, resource_id: str) -> None:
        await self.session.execute(delete(AccessGrantRow).where(
            AccessGrantRow.resource_type == resource_type,
            AccessGrantRow.resource_id == resource_id))
