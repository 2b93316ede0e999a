"""`file` rows to Open WebUI's FileModel JSON. `path` is always null: no response shows
where the server keeps a file."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from data.tables import FileRow


def file_model(row: FileRow, *, content: bool = True) -> dict[str, Any]:
    data = dict(row.data) if isinstance(row.data, dict) else row.data
    if not content and isinstance(data, dict):
        data.pop("content", None)
    return {"id": row.id, "user_id": row.user_id, "hash": row.hash, "filename": row.filename,
            "path": None, "data": data, "meta": row.meta, "created_at": row.created_at,
            "updated_at": row.updated_at}


def disposition(kind: str, name: str) -> str:
    """RFC 6266 with RFC 5987's `filename*` for names beyond ASCII, as Open WebUI sends."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
