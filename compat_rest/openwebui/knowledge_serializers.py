"""Knowledge bases to Open WebUI's JSON: the Knowledge object, its list entries (with
`user`, `file_count`, `write_access`) and its files."""

from __future__ import annotations

from typing import Any

from compat_rest.openwebui.file_serializers import file_model
from data.tables import AccessGrantRow, FileRow, KnowledgeRow, UserRow
from resolvers.knowledge.files import KnowledgeFiles
from resolvers.knowledge.knowledge import KnowledgeDetails, KnowledgeEntry
from resolvers.knowledge.rules import KnowledgeBase


def grant_json(grant: AccessGrantRow) -> dict[str, Any]:
    return {"id": grant.id, "resource_type": grant.resource_type,
            "resource_id": grant.resource_id, "principal_type": grant.principal_type,
            "principal_id": grant.principal_id, "permission": grant.permission,
            "created_at": grant.created_at}


def user_json(user: UserRow | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "role": user.role, "email": user.email}


def knowledge_json(row: KnowledgeRow, grants: list[AccessGrantRow] | tuple) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "name": row.name,
            "description": row.description, "meta": row.meta,
            "access_grants": [grant_json(g) for g in grants],
            "created_at": row.created_at, "updated_at": row.updated_at}


def file_summary(row: FileRow) -> dict[str, Any]:
    return {"id": row.id, "hash": row.hash, "meta": row.meta, "created_at": row.created_at,
            "updated_at": row.updated_at}


def knowledge_with_files(found: KnowledgeBase) -> dict[str, Any]:
    """The answer of update, access update and the file routes: the files listed."""
    return {**knowledge_json(found.row, found.grants),
            "files": [file_summary(f) for f in found.files or ()]}


def knowledge_alone(found: KnowledgeBase, *, write_access: bool = True) -> dict[str, Any]:
    """The answer of create and get: files are fetched separately (`files: null`)."""
    out = knowledge_json(found.row, found.grants)
    if write_access:
        out["write_access"] = found.write_access
    return {**out, "files": None}


def list_entry(entry: KnowledgeEntry, details: KnowledgeDetails) -> dict[str, Any]:
    row = entry.row
    return {**knowledge_json(row, details.grants.get(row.id, [])),
            "user": user_json(details.owners.get(row.user_id)),
            "file_count": details.file_counts.get(row.id, 0),
            "write_access": entry.write_access}


def files_page(found: KnowledgeFiles, *, content: bool) -> dict[str, Any]:
    items = [{**file_model(linked.file, content=content),
              "directory_id": linked.link.directory_id, "directory_path": None,
              "has_original": bool(linked.file.path),
              "user": user_json(found.owners.get(linked.file.user_id))}
             for linked in found.files]
    return {"items": items, "directories": [], "breadcrumbs": [], "total": found.total}
