"""The identity check of every request, as point reads (see data/point_reads.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from data.point_reads import PointReader, json_value
from data.tables import UserRow

_JSON_COLUMNS = ("info", "settings", "oauth", "scim")
_USER_COLUMNS = ("id", "email", "username", "role", "name", "profile_image_url",
                 "profile_banner_image_url", "bio", "gender", "date_of_birth", "timezone",
                 "presence_state", "status_emoji", "status_message", "status_expires_at",
                 *_JSON_COLUMNS, "last_active_at", "updated_at", "created_at")
_PRINCIPAL = (
    "SELECT " + ", ".join(f'u.{c}' for c in _USER_COLUMNS) +
    ', a.active AS auth_active, a.session_stamp AS auth_session_stamp, '
    "EXISTS (SELECT 1 FROM parley_revoked_token r WHERE r.jti = $2) AS revoked "
    'FROM "user" u JOIN auth a ON a.id = u.id WHERE u.id = $1')
_GROUPS = ('SELECT g.id, g.parent_group_id, g.permissions FROM "group" g '
           "JOIN group_member m ON m.group_id = g.id WHERE m.user_id = $1")
_GROUP = 'SELECT id, parent_group_id, permissions FROM "group" WHERE id = $1'
# Builds a UserRow without its constructor, whose per-attribute change tracking made up
# ~5% of an authenticated request: the row is detached and only ever read.
_new_user = UserRow.__mapper__.class_manager.new_instance


@dataclass(frozen=True)
class Principal:
    user: UserRow  # detached: read it, never write through it
    active: bool
    session_stamp: str | None
    revoked: bool


@dataclass(frozen=True)
class GroupGrant:
    id: str
    parent_group_id: str | None
    permissions: Any



def _user(row: dict[str, Any]) -> UserRow:
    values = {c: row[c] for c in _USER_COLUMNS}
    for column in _JSON_COLUMNS:
        values[column] = json_value(values[column])
    if isinstance(values["date_of_birth"], str):
        try:
            values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"])
        except ValueError:
            values["date_of_birth"] = None
    user = _new_user()
    user.__dict__.update(values)
    return user


class PrincipalReader:
    def __init__(self, reader: PointReader):
        self.reader = reader

    async def principal(self, user_id: str, jti: str | None) -> Principal | None:
        row = await self.reader.one(_PRINCIPAL, user_id, jti or "")
        if row is None:
            return None
        return Principal(user=_user(row), active=bool(row["auth_active"]),
                         session_stamp=row["auth_session_stamp"], revoked=bool(row["revoked"]))

    async def groups(self, user_id: str) -> Sequence[GroupGrant]:
        """The user's groups and every ancestor they inherit permissions from."""
        found = {r["id"]: GroupGrant(r["id"], r["parent_group_id"],
                                     json_value(r["permissions"]))
                 for r in await self.reader.all(_GROUPS, user_id)}
        pending = [g.parent_group_id for g in found.values() if g.parent_group_id]
        while pending:
            group_id = pending.pop()
            if group_id in found:
                continue
            row = await self.reader.one(_GROUP, group_id)
            if row is not None:
                found[group_id] = GroupGrant(row["id"], row["parent_group_id"],
                                             json_value(row["permissions"]))
                if row["parent_group_id"]:
                    pending.append(row["parent_group_id"])
        return list(found.values())
