"""Finding models in the list a caller may use, by words and by tag, and what a model's
workspace row says about it (description, tags, knowledge)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.tables import ModelRow
from resolvers.context import Context
from resolvers.models.models import AvailableModel, list_models


@dataclass(frozen=True)
class KnowledgeRef:
    id: str
    name: str | None


def _meta(row: ModelRow | None) -> dict[str, Any]:
    return row.meta if row is not None and isinstance(row.meta, dict) else {}


def description_of(row: ModelRow | None) -> str | None:
    text = _meta(row).get("description")
    return text if isinstance(text, str) else None


def _tag_names(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    names = [i.get("name") if isinstance(i, dict) else None for i in items]
    return [n for n in names if isinstance(n, str)]


def tags_of(model: AvailableModel) -> list[str]:
    """The row's tags, else those its connection gives its upstream models."""
    row_tags = _tag_names(_meta(model.row).get("tags"))
    return row_tags or _tag_names(list(model.entry.tags or []))


def row_tags(row: ModelRow) -> list[str]:
    return _tag_names(_meta(row).get("tags"))


def knowledge_of(row: ModelRow | None) -> list[KnowledgeRef]:
    items = _meta(row).get("knowledge")
    refs = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            name = item.get("name")
            refs.append(KnowledgeRef(item["id"], name if isinstance(name, str) else None))
    return refs


def matches(model: AvailableModel, query: str | None, tag: str | None) -> bool:
    tags = [t.lower() for t in tags_of(model)]
    if tag and tag.strip().lower() not in tags:
        return False
    if not query:
        return True
    words = [model.id, model.name, description_of(model.row) or "", *tags]
    return query.lower() in "\n".join(words).lower()


async def find_models(ctx: Context, *, query: str | None = None, tag: str | None = None,
                      refresh: bool = False) -> tuple[list[AvailableModel],
                                                      dict[str, AvailableModel]]:
    """Verified users: the models they may use that match (id, name, description, tags),
    and every model they may use by id (a preset's base model is found there)."""
    found = await list_models(ctx, refresh=refresh, grants=False)
    return [m for m in found if matches(m, query, tag)], {m.id: m for m in found}
