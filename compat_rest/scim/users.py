"""`/Users`: list, filter, search, create, read, replace, patch and delete, over the
same resolvers and rows as every other surface."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from compat_rest.scim import inputs
from compat_rest.scim.patch import Operation
from compat_rest.scim.resources import Resource
from compat_rest.scim.schemas import USERS
from compat_rest.scim.serializers import user_resource
from resolvers.context import Context
from resolvers.users import directory, users
from resolvers.users.directory import DirectoryUser, DirectoryUserInput


async def _find(ctx: Context, **page: Any) -> tuple[list[DirectoryUser], int]:
    found = await directory.list_directory_users(ctx, **page)
    return found.users, found.total


def _removes_password(operations: list[Operation]) -> bool:
    return any(op.op == "remove" and op.path and op.path.target.attr is not None
               and op.path.target.attr.name == "password" for op in operations)


def _to_input(doc: Mapping[str, Any], operations: list[Operation] | None
              ) -> DirectoryUserInput:
    """POST and PUT default `active` to on; a PATCH leaves a removed one unassigned, and
    removing the password (never returned, so never in the document) says so."""
    if operations is None:
        return inputs.user_input(doc, default_active=True)
    data = inputs.user_input(doc, default_active=None)
    if _removes_password(operations):
        data = dataclasses.replace(data, remove_password=True)
    return data


RESOURCE = Resource(
    rtype=USERS, render=user_resource, find=_find, get=directory.get_directory_user,
    to_input=_to_input, create=directory.create_directory_user,
    replace=directory.replace_directory_user, delete=users.delete_user)
