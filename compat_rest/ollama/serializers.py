"""Ollama's shapes, with Open WebUI's additions (`urls`, `connection_type`, ...)."""

from __future__ import annotations

from typing import Any

from resolvers.models.models import AvailableModel


def tag_entry(model: AvailableModel) -> dict[str, Any]:
    """An `/api/tags` entry plus the connections serving it (Open WebUI's `urls`)."""
    entry = model.entry
    out = dict(entry.info, urls=list(entry.urls), connection_type=entry.connection_type)
    if entry.tags is not None:
        out["tags"] = list(entry.tags)
    if entry.expires_at:
        out["expires_at"] = entry.expires_at
    return out
