"""The merged model list: every enabled connection asked at once, each answer shaped as
Open WebUI shapes it (allow-list, prefix, tags), merged by id. A connection that fails
contributes nothing and is recorded as down; it never fails the list."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from data.llm.base import OLLAMA, OPENAI, Connection, Connections, UpstreamError

# Only on api.openai.com: ids that are not chat models (as Open WebUI filters them).
_OPENAI_NON_CHAT = ("babbage", "dall-e", "davinci", "embedding", "tts", "whisper")


@dataclass(frozen=True)
class ModelEntry:
    """One model as clients see it. `urls` are the indexes of the connections serving it
    (several for Ollama, one for OpenAI); `info` is the upstream's own entry, renamed."""

    id: str
    name: str
    kind: str
    urls: tuple[int, ...]
    info: Mapping[str, Any]
    connection_type: str
    tags: tuple[Any, ...] | None = None
    created: int = 0
    expires_at: int | None = None  # Ollama: loaded in memory until then


@dataclass(frozen=True)
class ConnectionStatus:
    kind: str
    idx: int
    ok: bool
    error: str | None = None
    models: int = 0


@dataclass(frozen=True)
class Catalog:
    ollama: Mapping[str, ModelEntry] = field(default_factory=dict)
    openai: Mapping[str, ModelEntry] = field(default_factory=dict)
    status: tuple[ConnectionStatus, ...] = ()
    fetched_at: float = 0.0

    def of_kind(self, kind: str) -> Mapping[str, ModelEntry]:
        return self.ollama if kind == OLLAMA else self.openai

    def merged(self) -> dict[str, ModelEntry]:
        """OpenAI's models, then Ollama's; for an id both serve, Ollama's entry wins (the
        later one, as in Open WebUI's list)."""
        return {**self.openai, **self.ollama}

    def find(self, model_id: str) -> ModelEntry | None:
        return self.ollama.get(model_id) or self.openai.get(model_id)


GetJson = Callable[[Connection, str], Awaitable[Any]]


async def fetch_catalog(connections: Connections, get_json: GetJson) -> Catalog:
    ollama = connections.of_kind(OLLAMA)
    openai = connections.of_kind(OPENAI)
    results = await asyncio.gather(*[_ollama_models(c, get_json) for c in ollama],
                                   *[_openai_models(c) if c.model_ids
                                     else _fetched_openai_models(c, get_json) for c in openai])
    statuses, ollama_lists, openai_lists = [], [], []
    for connection, (entries, error) in zip((*ollama, *openai), results, strict=True):
        statuses.append(ConnectionStatus(connection.kind, connection.idx, error is None, error,
                                         len(entries)))
        (ollama_lists if connection.kind == OLLAMA else openai_lists).append(entries)
    return Catalog(ollama=_merge(ollama_lists, spread=True),
                   openai=_merge(openai_lists, spread=False),
                   status=tuple(statuses), fetched_at=time.monotonic())


def _merge(lists: list[list[ModelEntry]], *, spread: bool) -> dict[str, ModelEntry]:
    """First connection's entry wins; with `spread`, every connection serving the id is
    listed in `urls`, so requests can be spread over them."""
    merged: dict[str, ModelEntry] = {}
    for entries in lists:
        for entry in entries:
            seen = merged.get(entry.id)
            if seen is None:
                merged[entry.id] = entry
            elif spread and entry.urls[0] not in seen.urls:
                merged[entry.id] = replace(seen, urls=seen.urls + entry.urls)
    return merged


def _prefixed(connection: Connection, model_id: str) -> str:
    return f"{connection.prefix_id}.{model_id}" if connection.prefix_id else model_id


async def _ollama_models(connection: Connection, get_json: GetJson
                         ) -> tuple[list[ModelEntry], str | None]:
    try:
        tags, loaded = await asyncio.gather(get_json(connection, "/api/tags"),
                                            _loaded(connection, get_json))
    except UpstreamError as error:
        return [], error.message
    raw = tags.get("models") if isinstance(tags, dict) else None
    if not isinstance(raw, list):
        return [], f"{connection.label} answered its model list in an unknown shape."
    entries = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("model") or item.get("name"),
                                                         str):
            continue
        upstream_id = item.get("model") or item["name"]
        if connection.model_ids and upstream_id not in connection.model_ids:
            continue
        model_id = _prefixed(connection, upstream_id)
        info = dict(item, model=model_id, name=_prefixed(connection, item.get("name")
                                                          or upstream_id))
        if connection.tags is not None:
            info["tags"] = list(connection.tags)
        entries.append(ModelEntry(
            id=model_id, name=info["name"], kind=OLLAMA, urls=(connection.idx,), info=info,
            connection_type=connection.connection_type, tags=connection.tags,
            expires_at=loaded.get(upstream_id)))
    return entries, None


async def _loaded(connection: Connection, get_json: GetJson) -> dict[str, int]:
    """Models the Ollama server holds in memory, with when it unloads them (best effort)."""
    try:
        answer = await get_json(connection, "/api/ps")
    except UpstreamError:
        return {}
    found = {}
    for item in answer.get("models", []) if isinstance(answer, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("model"), str):
            found[item["model"]] = _epoch(item.get("expires_at"))
    return found


def _epoch(value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return 0
    return 0


async def _openai_models(connection: Connection) -> tuple[list[ModelEntry], str | None]:
    """A connection with an allow-list is not asked: the list is the allow-list."""
    items = [{"id": m, "object": "model", "owned_by": "openai"} for m in connection.model_ids]
    return _openai_entries(connection, items), None


async def _fetched_openai_models(connection: Connection, get_json: GetJson
                                 ) -> tuple[list[ModelEntry], str | None]:
    try:
        answer = await get_json(connection, "/models")
    except UpstreamError as error:
        return [], error.message
    raw = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(raw, list):
        return [], f"{connection.label} answered its model list in an unknown shape."
    items = [item for item in raw if isinstance(item, dict) and isinstance(item.get("id"), str)]
    if connection.host == "api.openai.com":
        items = [i for i in items if not any(word in i["id"] for word in _OPENAI_NON_CHAT)]
    return _openai_entries(connection, items), None


def _openai_entries(connection: Connection, items: list[dict]) -> list[ModelEntry]:
    entries = []
    for item in items:
        if connection.provider:  # the connection's word wins, as in Open WebUI
            item = dict(item, provider=connection.provider)
        model_id = _prefixed(connection, item["id"])
        name = item.get("name") if isinstance(item.get("name"), str) else item["id"]
        created = item.get("created") if isinstance(item.get("created"), int) else 0
        entries.append(ModelEntry(
            id=model_id, name=_prefixed(connection, name), kind=OPENAI, urls=(connection.idx,),
            info=item, connection_type=connection.connection_type, tags=connection.tags,
            created=created))
    return entries
