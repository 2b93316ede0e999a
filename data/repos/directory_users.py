"""Users as an identity provider's directory sees them (SCIM), stored in the `user` and
`auth` rows every other surface uses.

Attributes with an Open WebUI column live there: the e-mail address, the display name
(`user.name`), `timezone` and `active` (`auth.active`). Everything else an identity
provider sends is kept in Open WebUI's `user.scim` JSON column, in one entry of its own:

    user.scim = {"parley": {"external_id": ..., "user_name": ..., "name_fallback": ...,
                            "active_unassigned": true, "attributes": {...}}, ...}

`external_id` is Open WebUI's own key, so either server reads the other's; Parley writes
the same value into every entry that has one, so "the external id" never has two values.
`user_name` is kept only when it differs from the e-mail address. `name_fallback` is the
name Parley derived when no displayName was given. The primary e-mail's address lives in
`user.email`, so its stored entry leaves `value` out and reading fills it in: a change of
e-mail on any surface shows through. Filters compile to SQL over exactly this layout.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data.db import note_access_change
from data.filters import Attr, Filter, SortKey, UnsupportedFilter
from data.repos.filter_sql import (
    ColumnField,
    ConstField,
    Field,
    JsonField,
    JsonSql,
    compare_truth,
    condition,
    json_values,
    sort_expression,
)
from data.repos.groups import GroupRepo
from data.repos.users import SIGN_IN_COLUMNS
from data.tables import AuthRow, GroupMemberRow, GroupRow, UserRow

ENTRY = "parley"
EXTERNAL_ID = "external_id"
USER_NAME = "user_name"
NAME_FALLBACK = "name_fallback"
ACTIVE_UNASSIGNED = "active_unassigned"
ATTRIBUTES = "attributes"
DEFAULT_EMAIL_TYPE = "work"


@dataclass(frozen=True)
class DirectoryUser:
    """A user with everything SCIM shows about it."""

    user: UserRow
    active: bool | None  # None: the identity provider left it unassigned (the account is on)
    user_name: str
    external_id: str | None
    display_name: str | None  # None when user.name is only a name Parley derived
    attributes: dict[str, Any]  # every other attribute, `emails` and `timezone` included
    groups: list[tuple[str, str | None]] = field(default_factory=list)  # (id, name)


@dataclass(frozen=True)
class DirectoryUserValues:
    """What to store for a user: the columns, and the rest as SCIM attributes."""

    email: str
    name: str
    name_is_fallback: bool
    user_name: str
    external_id: str | None
    active: bool | None
    attributes: dict[str, Any]  # `emails` with the address of `email` among them


def _entry(user: UserRow) -> dict[str, Any]:
    scim = user.scim if isinstance(user.scim, dict) else {}
    entry = scim.get(ENTRY)
    return entry if isinstance(entry, dict) else {}


def _external_id(user: UserRow) -> str | None:
    ours = _entry(user).get(EXTERNAL_ID)
    if isinstance(ours, str):
        return ours
    for entry in (user.scim or {}).values() if isinstance(user.scim, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get(EXTERNAL_ID), str):
            return entry[EXTERNAL_ID]
    return None


def read_user(user: UserRow, active: bool | None,
              groups: Sequence[tuple[str, str | None]] = ()) -> DirectoryUser:
    entry = _entry(user)
    attributes = copy.deepcopy(entry.get(ATTRIBUTES)) if isinstance(
        entry.get(ATTRIBUTES), dict) else {}
    emails = attributes.get("emails")
    if isinstance(emails, list) and emails:
        for email in emails:
            if isinstance(email, dict) and "value" not in email:
                email["value"] = user.email
    elif user.email:
        attributes["emails"] = [{"value": user.email, "type": DEFAULT_EMAIL_TYPE,
                                 "primary": True}]
    if user.timezone:
        attributes["timezone"] = user.timezone
    fallback = entry.get(NAME_FALLBACK)
    return DirectoryUser(
        user=user,
        active=None if entry.get(ACTIVE_UNASSIGNED) is True else bool(active),
        user_name=entry.get(USER_NAME) or user.email or user.id,
        external_id=_external_id(user),
        display_name=None if fallback is not None and user.name == fallback else user.name,
        attributes=attributes, groups=list(groups))


def scim_column(current: Any, values: DirectoryUserValues) -> dict[str, Any]:
    """The new `user.scim` value: our entry rewritten, other entries kept, with the
    external id mirrored into every entry that carries one."""
    scim = copy.deepcopy(current) if isinstance(current, dict) else {}
    attributes = copy.deepcopy(values.attributes)
    attributes.pop("timezone", None)
    for email in attributes.get("emails") or ():
        if isinstance(email, dict) and str(email.get("value", "")).lower() == values.email:
            del email["value"]
            break
    entry: dict[str, Any] = {EXTERNAL_ID: values.external_id, ATTRIBUTES: attributes}
    if values.user_name.lower() != values.email:
        entry[USER_NAME] = values.user_name
    if values.name_is_fallback:
        entry[NAME_FALLBACK] = values.name
    if values.active is None:
        entry[ACTIVE_UNASSIGNED] = True
    for other in scim.values():
        if isinstance(other, dict) and EXTERNAL_ID in other:
            other[EXTERNAL_ID] = values.external_id
    scim[ENTRY] = entry
    return scim


class _ExternalIdField(Field):
    """Matches when any entry of `user.scim` carries the id (see the module docstring)."""

    def _any(self, sql: JsonSql, test) -> Any:
        rows = sql.entries(UserRow.scim, "ext")
        stored = JsonField(rows.c.value, (EXTERNAL_ID,))
        return exists(select(literal(1)).select_from(rows).where(test(stored)))

    def text(self, sql):
        return sql.text(UserRow.scim, (ENTRY, EXTERNAL_ID))

    def present(self, sql):
        return self._any(sql, lambda stored: stored.present(sql))

    def compare(self, sql, op, value, attr):
        if op == "ne":
            return ~self.compare(sql, "eq", value, attr)
        return self._any(sql, lambda stored: stored.compare(sql, op, value, attr))


class _ActiveField(Field):
    def _unassigned(self, sql):
        return sql.is_bool(UserRow.scim, (ENTRY, ACTIVE_UNASSIGNED), True)

    def truth(self, sql, value):
        return ~self._unassigned(sql) & func.coalesce(AuthRow.active == value, False)

    def present(self, sql):
        return ~self._unassigned(sql)

    def compare(self, sql, op, value, attr):
        return compare_truth(self.truth(sql, bool(value)), op)


class _SyntheticEmail:
    """The one e-mail of a user that SCIM never wrote: its address, type work, primary."""

    def field(self, attr: Attr) -> Field:
        if attr.name == "value":
            return ColumnField(UserRow.email)
        if attr.name == "type":
            return ConstField(DEFAULT_EMAIL_TYPE)
        if attr.name == "primary":
            return ConstField(True)
        return ConstField(None)

    def has_value(self, attr, where):
        raise UnsupportedFilter("value filters do not nest")


class _Membership:
    def field(self, attr: Attr) -> Field:
        if attr.name == "value":
            return ColumnField(GroupMemberRow.group_id)
        if attr.name == "display":
            return ColumnField(GroupRow.name)
        if attr.name == "type":
            return ConstField("direct")
        raise UnsupportedFilter(f"groups.{attr.name} cannot be filtered")

    def has_value(self, attr, where):
        raise UnsupportedFilter("value filters do not nest")


class UserScope:
    """Where each SCIM User attribute lives, for the filter compiler."""

    def __init__(self, sql: JsonSql):
        self.sql = sql

    def _stored(self, attr: Attr) -> tuple[str, ...]:
        head = (ENTRY, ATTRIBUTES) + ((attr.extension,) if attr.extension else ())
        return head + (attr.name,) + ((attr.sub,) if attr.sub else ())

    def field(self, attr: Attr) -> Field:
        sql = self.sql
        if attr.extension:
            return JsonField(UserRow.scim, self._stored(attr))
        match attr.name, attr.sub:
            case "id", None:
                return ColumnField(UserRow.id)
            case "userName", None:
                return ColumnField(func.coalesce(sql.text(UserRow.scim, (ENTRY, USER_NAME)),
                                                 UserRow.email))
            case "externalId", None:
                return _ExternalIdField()
            case "displayName", None:
                return ColumnField(func.nullif(
                    UserRow.name, sql.text(UserRow.scim, (ENTRY, NAME_FALLBACK))))
            case "timezone", None:
                return ColumnField(UserRow.timezone)
            case "active", None:
                return _ActiveField()
            case "meta", "created":
                return ColumnField(UserRow.created_at, "epoch")
            case "meta", "lastModified":
                return ColumnField(UserRow.updated_at, "epoch")
            case "meta", "resourceType":
                return ConstField("User")
            case "meta", _:
                raise UnsupportedFilter(f"meta.{attr.sub} cannot be filtered")
            case "emails", None:
                return ColumnField(UserRow.email)  # sorting: the primary (or first) address
        return JsonField(UserRow.scim, self._stored(attr))

    def has_value(self, attr: Attr, where) -> Any:
        sql = self.sql
        if attr.name == "groups" and not attr.extension:
            member = (select(literal(1)).select_from(GroupMemberRow)
                      .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
                      .where(GroupMemberRow.user_id == UserRow.id, where(_Membership())))
            return member.exists()
        if attr.name == "emails" and not attr.extension:
            keys = self._stored(attr)
            unwritten = sql.kind(UserRow.scim, keys).is_(None)
            return (unwritten & where(_SyntheticEmail())) | json_values(
                sql, UserRow.scim, keys, where, column_backed={"value": UserRow.email})
        return json_values(sql, UserRow.scim, self._stored(attr), where)


class DirectoryUserRepo:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.sql = JsonSql(session.bind.dialect.name)

    def _base(self):
        return select(UserRow, AuthRow.active).outerjoin(AuthRow, AuthRow.id == UserRow.id)

    async def page(self, *, where: Filter | None, sort: SortKey | None, offset: int,
                   limit: int) -> tuple[list[DirectoryUser], int]:
        """One page of users matching `where`, and how many match in all."""
        scope = UserScope(self.sql)
        conditions = [condition(where, scope, self.sql)] if where is not None else []
        ordering = (sort_expression(sort, scope.field(sort.attr), self.sql)
                    if sort is not None else [])
        total = (await self.session.execute(
            select(func.count()).select_from(UserRow)
            .outerjoin(AuthRow, AuthRow.id == UserRow.id).where(*conditions))).scalar_one()
        if limit <= 0:
            return [], total
        stmt = (self._base().where(*conditions)
                .order_by(*ordering, UserRow.created_at, UserRow.id)
                .offset(offset).limit(limit))
        rows = (await self.session.execute(stmt)).all()
        groups = await GroupRepo(self.session).names_for_users([user.id for user, _ in rows])
        return [read_user(user, active, groups.get(user.id, ())) for user, active in rows], total

    async def get(self, user_id: str, *, lock: bool = False) -> DirectoryUser | None:
        stmt = self._base().where(UserRow.id == user_id)
        if lock:
            stmt = stmt.with_for_update(of=UserRow)
        found = (await self.session.execute(stmt)).first()
        if found is None:
            return None
        user, active = found
        groups = await GroupRepo(self.session).names_for_users([user.id])
        return read_user(user, active, groups.get(user.id, ()))

    async def user_name_owner(self, user_name: str) -> str | None:
        """The id of the user whose userName is `user_name`, ignoring case."""
        effective = func.coalesce(self.sql.text(UserRow.scim, (ENTRY, USER_NAME)),
                                  UserRow.email)
        stmt = (select(UserRow.id)
                .where(self.sql.lower(effective) == user_name.lower()).limit(1))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, user_id: str, values: DirectoryUserValues, *, role: str, image: str,
                  password_hash: str, session_stamp: str, now: int) -> None:
        self.session.add_all([
            UserRow(id=user_id, email=values.email, name=values.name, role=role,
                    profile_image_url=image, timezone=values.attributes.get("timezone"),
                    scim=scim_column(None, values), last_active_at=now, updated_at=now,
                    created_at=now),
            AuthRow(id=user_id, email=values.email, password=password_hash,
                    active=values.active is not False, session_stamp=session_stamp)])
        await self.session.flush()

    def changes(self, current: UserRow, values: DirectoryUserValues) -> dict[str, Any]:
        """The `user` columns that `values` would change."""
        wanted = {"email": values.email, "name": values.name,
                  "timezone": values.attributes.get("timezone"),
                  "scim": scim_column(current.scim, values)}
        return {key: value for key, value in wanted.items() if getattr(current, key) != value}

    async def update(self, user_id: str, user_values: dict[str, Any],
                     auth_values: dict[str, Any]) -> None:
        if user_values:
            await self.session.execute(
                update(UserRow).where(UserRow.id == user_id).values(**user_values))
        if auth_values:
            await self.session.execute(
                update(AuthRow).where(AuthRow.id == user_id).values(**auth_values))
        if auth_values.keys() & SIGN_IN_COLUMNS or "role" in user_values:
            note_access_change(self.session, user_id)
        await self.session.flush()
