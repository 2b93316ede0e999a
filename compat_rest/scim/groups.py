"""`/Groups`: list, filter, search, create, read, replace, patch and delete, over the
`group` and `group_member` rows Open WebUI reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compat_rest.scim import inputs
from compat_rest.scim.patch import Operation
from compat_rest.scim.resources import Resource
from compat_rest.scim.schemas import GROUPS
from compat_rest.scim.serializers import group_resource
from resolvers.context import Context
from resolvers.groups import groups
from resolvers.groups.groups import DirectoryGroup, GroupInput


async def _find(ctx: Context, **page: Any) -> tuple[list[DirectoryGroup], int]:
    found = await groups.list_directory_groups(ctx, **page)
    return found.groups, found.total


def _to_input(doc: Mapping[str, Any], operations: list[Operation] | None) -> GroupInput:
    return inputs.group_input(doc)


RESOURCE = Resource(
    rtype=GROUPS, render=group_resource, find=_find, get=groups.get_directory_group,
    to_input=_to_input, create=groups.create_directory_group,
    replace=groups.replace_directory_group, delete=groups.delete_directory_group)
