"""The user directory an identity provider manages (SCIM's Users): list and filter,
read, create, replace. Its vocabulary is RFC 7643's User; its rows are the `user` and
`auth` rows every other surface reads, so an account created here signs in, shows up in
GraphQL and REST, and one deactivated here is refused everywhere at once.

Callers: the SCIM provisioning client (scope "scim") and administrators. Deletion is
resolvers.users.users.delete_user, shared with the other surfaces.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from data.filters import Filter, SortKey, UnsupportedFilter
from data.repos.directory_users import DirectoryUser, DirectoryUserRepo, DirectoryUserValues
from data.repos.locks import serialize
from data.repos.users import UserRepo
from data.tables.base import now_s
from resolvers import validation
from resolvers.auth.security import new_session_stamp
from resolvers.context import Context
from resolvers.errors import Conflict, Forbidden, Invalid, NotFound
from resolvers.permissions import require_admin_or_scope

SCOPE = "scim"
MAX_RESULTS = 200  # the most resources one list or search returns
DEFAULT_ROLE = "user"  # an identity provider's account is approved by being provisioned
DEFAULT_IMAGE = "/user.png"
_NAME_LOCK = "parley:directory-user-names"


@dataclass(frozen=True)
class DirectoryUserInput:
    """A user as the identity provider describes it, in RFC 7643's attribute names.
    `attributes` holds every attribute besides the named fields (`emails`, `name`,
    `timezone`, ..., an extension's URN with its object), already type-checked."""

    user_name: str
    external_id: str | None = None
    display_name: str | None = None
    active: bool | None = True  # None: left unassigned, and the account stays on
    password: str | None = None  # None keeps the current password
    remove_password: bool = False  # sign-in by password ends (SSO only)
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DirectoryPage:
    users: list[DirectoryUser]
    total: int


def invalid_filter(error: UnsupportedFilter) -> Invalid:
    """A SCIM filter the database cannot apply (Users and Groups alike)."""
    return Invalid(f"The filter cannot be applied: {error}.", reason="invalid_filter",
                   field="filter")


async def list_directory_users(ctx: Context, *, where: Filter | None = None,
                               sort: SortKey | None = None, offset: int = 0,
                               limit: int = MAX_RESULTS) -> DirectoryPage:
    """The provisioning client and admins: every user (not only those SCIM created),
    filtered, sorted and paged in the database."""
    await require_admin_or_scope(ctx, SCOPE)
    try:
        users, total = await DirectoryUserRepo(ctx.session).page(
            where=where, sort=sort, offset=max(0, offset),
            limit=max(0, min(limit, MAX_RESULTS)))
    except UnsupportedFilter as error:
        raise invalid_filter(error) from None
    return DirectoryPage(users=users, total=total)


async def get_directory_user(ctx: Context, user_id: str, *, lock: bool = False
                             ) -> DirectoryUser:
    """The provisioning client and admins. `lock` holds the row until the unit of work
    ends, for a read-modify-write such as a SCIM PATCH."""
    await require_admin_or_scope(ctx, SCOPE)
    found = await DirectoryUserRepo(ctx.session).get(user_id, lock=lock)
    if found is None:
        raise NotFound("No such user.", reason="user_not_found")
    return found


def _email_of(data: DirectoryUserInput) -> str:
    """The sign-in address: the primary e-mail, else the first, else a userName that is
    an e-mail address."""
    emails = [e for e in data.attributes.get("emails") or () if isinstance(e, Mapping)]
    for email in emails:
        validation.email(str(email.get("value") or ""))
    chosen = next((e for e in emails if e.get("primary") is True), emails[0] if emails else None)
    if chosen is not None:
        return validation.email(str(chosen.get("value") or ""))
    if "@" in data.user_name:
        return validation.email(data.user_name)
    raise Invalid("An e-mail address is required, in emails or as the userName.",
                  reason="email_required", field="emails")


def _name_of(data: DirectoryUserInput) -> tuple[str, bool]:
    """The display name, and whether it is only derived (no displayName was given)."""
    if data.display_name is not None:
        return validation.name(data.display_name), False
    name = data.attributes.get("name") or {}
    joined = " ".join(str(name[part]).strip() for part in ("givenName", "middleName",
                                                             "familyName")
                      if isinstance(name.get(part), str) and name[part].strip())
    for candidate in (name.get("formatted"), joined, data.user_name):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:validation.MAX_NAME], True
    raise Invalid("A name is required.", reason="invalid_name", field="displayName")


def _values(data: DirectoryUserInput) -> DirectoryUserValues:
    if not data.user_name.strip():
        raise Invalid("userName must not be empty.", reason="invalid_user_name",
                      field="userName")
    name, derived = _name_of(data)
    return DirectoryUserValues(
        email=_email_of(data), name=name, name_is_fallback=derived,
        user_name=data.user_name, external_id=data.external_id, active=data.active,
        attributes=dict(data.attributes))


async def _check_unique(ctx: Context, values: DirectoryUserValues, user_id: str | None
                        ) -> None:
    await serialize(ctx.session, _NAME_LOCK)
    other = await UserRepo(ctx.session).get_by_email(values.email)
    if other is not None and other.id != user_id:
        raise Conflict("This e-mail address is already registered.", reason="email_taken",
                       field="emails")
    owner = await DirectoryUserRepo(ctx.session).user_name_owner(values.user_name)
    if owner is not None and owner != user_id:
        raise Conflict("This userName is already taken.", reason="user_name_taken",
                       field="userName")


async def _password_hash(ctx: Context, password: str | None) -> str:
    """The hash to store: of `password`, or one that no password matches (the account
    then signs in through single sign-on only)."""
    passwords = ctx.services.passwords
    if password:
        return await asyncio.to_thread(passwords.hash, validation.new_password(password))
    return await asyncio.to_thread(passwords.unusable_hash)


async def create_directory_user(ctx: Context, data: DirectoryUserInput) -> DirectoryUser:
    """The provisioning client and admins. A password, when given, signs in like any
    other; without one the account can only use single sign-on."""
    await require_admin_or_scope(ctx, SCOPE)
    values = _values(data)
    hashed = await _password_hash(ctx, data.password)
    await _check_unique(ctx, values, None)
    user_id = str(uuid.uuid4())
    try:
        await DirectoryUserRepo(ctx.session).add(
            user_id, values, role=DEFAULT_ROLE, image=DEFAULT_IMAGE, password_hash=hashed,
            session_stamp=new_session_stamp(), now=now_s())
    except IntegrityError:  # the same address, committed a moment ago elsewhere
        raise Conflict("This e-mail address is already registered.", reason="email_taken",
                       field="emails") from None
    return await get_directory_user(ctx, user_id)


async def replace_directory_user(ctx: Context, user_id: str, data: DirectoryUserInput
                                 ) -> DirectoryUser:
    """The provisioning client and admins: the user becomes exactly `data` (a SCIM PUT,
    or a PATCH applied to the current state). Deactivating or a new password ends every
    session of the account at once. The primary administrator cannot be deactivated and
    keeps its password."""
    viewer = await require_admin_or_scope(ctx, SCOPE)
    values = _values(data)
    auth_values: dict[str, Any] = {"email": values.email}
    if data.password or data.remove_password:
        auth_values["password"] = await _password_hash(ctx, data.password)
        auth_values["session_stamp"] = new_session_stamp()
    repo = DirectoryUserRepo(ctx.session)
    current = await repo.get(user_id, lock=True)
    if current is None:
        raise NotFound("No such user.", reason="user_not_found")
    now_active = values.active is not False
    if now_active != (current.active is not False):
        auth_values["active"] = now_active
        if not now_active:
            auth_values["session_stamp"] = new_session_stamp()
    locking_out = "password" in auth_values or auth_values.get("active") is False
    if locking_out and viewer.id != user_id and (
            await UserRepo(ctx.session).primary_admin_id() == user_id):
        raise Forbidden("The primary administrator cannot be deactivated or given a "
                        "password by anyone else.", reason="primary_admin")
    user_values = repo.changes(current.user, values)
    if "email" in user_values or "scim" in user_values:  # user.scim holds the userName
        await _check_unique(ctx, values, user_id)
    if not user_values and auth_values.keys() <= {"email"}:
        return current
    user_values["updated_at"] = now_s()
    try:
        await repo.update(user_id, user_values, auth_values)
    except IntegrityError:
        raise Conflict("This e-mail address is already registered.", reason="email_taken",
                       field="emails") from None
    await ctx.session.refresh(current.user)
    return await get_directory_user(ctx, user_id)
