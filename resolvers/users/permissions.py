"""A user's effective feature permissions: the configured defaults (`user.permissions`)
OR-merged with the permissions of every group the user is in, parents included."""

from __future__ import annotations

from typing import Any

from data.repos.principals import PrincipalReader
from data.tables import UserRow
from resolvers.context import Context

# Open WebUI's defaults for the permissions this server acts on, in its nesting.
DEFAULT_PERMISSIONS: dict[str, dict[str, bool]] = {
    "workspace": {"models": False, "knowledge": False, "prompts": False, "tools": False,
                  "skills": False},
    "sharing": {"models": False, "public_models": False, "knowledge": False,
                "public_knowledge": False, "prompts": False, "public_prompts": False},
    "chat": {"controls": True, "file_upload": True, "delete": True, "edit": True,
             "share": True, "export": True, "stt": True, "tts": True, "call": True,
             "multiple_models": True, "temporary": True, "temporary_enforced": False,
             "import": True},
    "features": {"direct_tool_servers": False, "web_search": True, "image_generation": True,
                 "code_interpreter": True, "notes": True, "folders": True, "memories": True,
                 "api_keys": False},
    "settings": {"interface": True},
}


def _merge_true(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict):
            _merge_true(into.setdefault(key, {}), value)
        elif value is True or key not in into:
            into[key] = value


async def default_permissions(ctx: Context) -> dict[str, dict[str, Any]]:
    """The configured defaults (`user.permissions`) over Open WebUI's."""
    configured = await ctx.services.config.get(ctx.session, "user.permissions")
    # Sections of booleans: copying each section is a full copy, and far cheaper than a
    # deepcopy on every request that reads permissions (GET /api/v1/auths/ does).
    permissions = {section: dict(flags) for section, flags in DEFAULT_PERMISSIONS.items()}
    if isinstance(configured, dict):
        for key, value in configured.items():
            if isinstance(value, dict):
                permissions.setdefault(key, {}).update(value)
    return permissions


async def effective_permissions(ctx: Context, user: UserRow) -> dict[str, Any]:
    permissions = await default_permissions(ctx)
    for group in await PrincipalReader(ctx.services.reader).groups(user.id):
        if isinstance(group.permissions, dict):
            _merge_true(permissions, group.permissions)
    return permissions


def allows(permissions: dict[str, Any], path: str) -> bool:
    node: Any = permissions
    for part in path.split("."):
        if not isinstance(node, dict):
            return False
        node = node.get(part)
    return node is True

