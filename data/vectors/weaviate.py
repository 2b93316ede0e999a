"""The Weaviate store, through weaviate-client v4's async client, shaped as Open WebUI's
adapter (rest-ai.md §8.7): its collection naming, `text` plus flattened metadata as
properties, self-provided vectors, scores (2 - cosine distance) / 2, writes in batches
of 100. Filters are checked before any request, as for the embedded store; a server that
fails a request is a StoreUnavailable, never a silent empty answer for a write."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.init import Auth
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.exceptions import WeaviateBaseError

from data.vectors.base import (
    GetResult,
    Item,
    SearchResult,
    StoreUnavailable,
    VectorStoreError,
    check_filter,
    check_items,
    check_limit,
    check_name,
    check_vector,
)
from data.vectors.settings import WeaviateSettings
from data.vectors.sql import query_words

BATCH = 100
EXCLUDED = {"text"}  # a metadata key named `text` would shadow the item's text


def weaviate_name(name: str) -> str:
    """Open WebUI's mapping of a collection name onto Weaviate's class-name rules."""
    out = re.sub(r"[^A-Za-z0-9_]", "", name.replace("-", "_")).strip("_")
    if not out:
        raise VectorStoreError(f"Collection name {name!r} has nothing Weaviate can use.")
    if not out[0].isalpha():
        out = "C" + out
    return out[0].upper() + out[1:]


def properties(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"text": item.text}
    for key, value in item.metadata.items():
        if value is None or key in EXCLUDED:
            continue
        if isinstance(value, list | dict):
            value = json.dumps(value)
        elif isinstance(value, datetime.datetime | uuid.UUID):
            value = str(value)
        elif isinstance(value, str):
            value = value.replace("\x00", "")
        out[key] = value
    return out


def where(wanted: dict[str, tuple[Any, ...]]) -> Any:
    parts = [Filter.by_property(key).equal(values[0]) if len(values) == 1
             else Filter.by_property(key).contains_any(list(values))
             for key, values in wanted.items()]
    return Filter.all_of(parts) if parts else None


class WeaviateStore:
    def __init__(self, settings: WeaviateSettings):
        self.client = weaviate.use_async_with_custom(
            http_host=settings.http_host, http_port=settings.http_port,
            http_secure=settings.http_secure,
            grpc_host=settings.grpc_host or settings.http_host, grpc_port=settings.grpc_port,
            grpc_secure=settings.grpc_secure,
            auth_credentials=Auth.api_key(settings.api_key) if settings.api_key else None,
            skip_init_checks=settings.skip_init_checks)

    async def connect(self) -> None:
        try:
            await self.client.connect()
        except WeaviateBaseError as error:
            raise StoreUnavailable(f"Weaviate is not reachable: {error}") from None

    async def close(self) -> None:
        await self.client.close()

    def _collection(self, name: str) -> Any:
        return self.client.collections.use(weaviate_name(check_name(name)))

    async def has_collection(self, name: str) -> bool:
        return await self._call(self.client.collections.exists(
            weaviate_name(check_name(name))))

    async def delete_collection(self, name: str) -> None:
        await self._call(self.client.collections.delete(weaviate_name(check_name(name))))

    async def reset(self) -> None:
        await self._call(self.client.collections.delete_all())

    async def insert(self, name: str, items: Sequence[Item]) -> None:
        await self.upsert(name, items)  # Weaviate writes by UUID: the same call

    async def upsert(self, name: str, items: Sequence[Item]) -> None:
        checked = check_items(items, None)
        for item in checked:
            try:
                uuid.UUID(item.id)
            except ValueError:
                raise VectorStoreError(f"Weaviate needs UUID item ids; {item.id!r} is not "
                                       "one.") from None
        if not checked:
            return
        await self._create(name)
        collection = self._collection(name)
        for start in range(0, len(checked), BATCH):
            objects = [DataObject(properties=properties(i), uuid=i.id, vector=i.vector.tolist())
                       for i in checked[start:start + BATCH]]
            answer = await self._call(collection.data.insert_many(objects))
            if answer.has_errors:
                first = next(iter(answer.errors.values()))
                raise StoreUnavailable(f"Weaviate refused an item: {first.message}")

    async def _create(self, name: str) -> None:
        wname = weaviate_name(check_name(name))
        if not await self._call(self.client.collections.exists(wname)):
            await self._call(self.client.collections.create(
                name=wname, vector_config=Configure.Vectors.self_provided(),
                properties=[Property(name="text", data_type=DataType.TEXT)]))

    async def search(self, name: str, vectors: Sequence[Sequence[float]], *, limit: int,
                     filter: Mapping[str, Any] | None = None) -> SearchResult | None:
        check_limit(limit)
        filters = where(check_filter(filter))
        queries = [check_vector(v, None).tolist() for v in vectors]
        if not await self.has_collection(name):
            return None
        collection, out = self._collection(name), SearchResult([], [], [], [])
        for query in queries:
            answer = await self._call(collection.query.near_vector(
                near_vector=query, limit=limit, filters=filters,
                return_metadata=MetadataQuery(distance=True)))
            self._append(out, answer.objects,
                         [(2 - (o.metadata.distance or 0)) / 2 for o in answer.objects])
        return out

    async def keyword_search(self, name: str, query: str, *, limit: int,
                             filter: Mapping[str, Any] | None = None) -> SearchResult | None:
        check_limit(limit)
        filters = where(check_filter(filter))
        if not await self.has_collection(name):
            return None
        words = query_words(query)
        out = SearchResult([], [], [], [])
        if not words:
            return SearchResult([[]], [[]], [[]], [[]])
        answer = await self._call(self._collection(name).query.bm25(
            query=" ".join(words), limit=limit, filters=filters, operator=None,
            return_metadata=MetadataQuery(score=True)))
        self._append(out, answer.objects, [o.metadata.score or 0.0 for o in answer.objects])
        return out

    async def vectors(self, name: str, ids: Sequence[str]) -> dict[str, list[float]]:
        if not ids or not await self.has_collection(name):
            return {}
        answer = await self._call(self._collection(name).query.fetch_objects_by_ids(
            list(ids), include_vector=True, limit=len(ids)))
        return {str(o.uuid): list(o.vector["default"]) for o in answer.objects}

    async def query(self, name: str, filter: Mapping[str, Any], *,
                    limit: int | None = None) -> GetResult | None:
        filters = where(check_filter(filter))
        if not await self.has_collection(name):
            return None
        collection, out = self._collection(name), GetResult([], [], [])
        if limit is None:
            objects = [o async for o in collection.iterator()] if filters is None else \
                (await self._call(collection.query.fetch_objects(filters=filters,
                                                                 limit=10_000))).objects
        else:
            objects = (await self._call(collection.query.fetch_objects(
                filters=filters, limit=check_limit(limit)))).objects
        self._append(out, objects, None)
        return out

    async def get(self, name: str) -> GetResult | None:
        return await self.query(name, {})

    async def delete(self, name: str, *, ids: Sequence[str] | None = None,
                     filter: Mapping[str, Any] | None = None) -> None:
        wanted = check_filter(filter)
        if ids is None and not wanted:
            raise VectorStoreError("Say which items to delete: ids or a filter.")
        if not await self.has_collection(name):
            return
        collection = self._collection(name)
        if ids is not None and ids:
            await self._call(collection.data.delete_many(
                where=Filter.by_id().contains_any([str(i) for i in ids])))
        if wanted:
            await self._call(collection.data.delete_many(where=where(wanted)))

    @staticmethod
    def _append(out: GetResult, objects: Sequence[Any], scores: list[float] | None) -> None:
        out.ids.append([str(o.uuid) for o in objects])
        out.documents.append([str(o.properties.get("text", "")) for o in objects])
        out.metadatas.append([{k: v for k, v in o.properties.items() if k != "text"}
                              for o in objects])
        if isinstance(out, SearchResult) and scores is not None:
            out.distances.append(scores)

    @staticmethod
    async def _call(awaitable: Any) -> Any:
        try:
            return await awaitable
        except WeaviateBaseError as error:
            raise StoreUnavailable(f"Weaviate failed: {error}") from None
