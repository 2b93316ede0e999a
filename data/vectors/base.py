"""The vector-store interface every backend implements (Open WebUI's, rest-ai.md §8.6),
its results, and the checks every backend makes on what it is given.

Scores ("distances" in Open WebUI's answers) are similarities, higher is better:
(1 + cosine) / 2, from 0 to 1, as Open WebUI's Chroma and Weaviate adapters report them.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
MAX_TEXT = 200_000  # characters in one chunk (Open WebUI's are about 1000)
MAX_DIMENSION = 65_536


class VectorStoreError(ValueError):
    """Something the caller gave that no store can take; the message says what."""


class DimensionMismatch(VectorStoreError):
    """Vectors of another dimension than the collection's: made by another model."""


class StoreUnavailable(RuntimeError):
    """The store itself failed (a server down); nothing was written."""


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    vector: Sequence[float]
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class GetResult:
    """Open WebUI's shape: one inner list (this backend answers for one request)."""

    ids: list[list[str]]
    documents: list[list[str]]
    metadatas: list[list[dict[str, Any]]]

    def to_dict(self) -> dict[str, Any]:
        return {"ids": self.ids, "documents": self.documents, "metadatas": self.metadatas}


@dataclass
class SearchResult(GetResult):
    """One inner list per query vector, best first."""

    distances: list[list[float]]

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"distances": self.distances}


class VectorStore(Protocol):
    async def has_collection(self, name: str) -> bool: ...
    async def delete_collection(self, name: str) -> None: ...
    async def insert(self, name: str, items: Sequence[Item]) -> None: ...
    async def upsert(self, name: str, items: Sequence[Item]) -> None: ...
    async def search(self, name: str, vectors: Sequence[Sequence[float]], *, limit: int,
                     filter: Mapping[str, Any] | None = None) -> SearchResult | None: ...
    async def keyword_search(self, name: str, query: str, *, limit: int,
                             filter: Mapping[str, Any] | None = None
                             ) -> SearchResult | None: ...
    async def vectors(self, name: str, ids: Sequence[str]) -> dict[str, list[float]]: ...
    async def query(self, name: str, filter: Mapping[str, Any], *,
                    limit: int | None = None) -> GetResult | None: ...
    async def get(self, name: str) -> GetResult | None: ...
    async def delete(self, name: str, *, ids: Sequence[str] | None = None,
                     filter: Mapping[str, Any] | None = None) -> None: ...
    async def reset(self) -> None: ...
    async def close(self) -> None: ...


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise VectorStoreError("A collection name is 1 to 255 letters, digits, '_' or '-'.")
    return name


def check_limit(limit: int) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10_000:
        raise VectorStoreError("limit must be a whole number from 1 to 10000.")
    return limit


def check_filter(filter: Mapping[str, Any] | None) -> dict[str, tuple[Any, ...]]:
    """Open WebUI's metadata filters: `{key: value}` or `{key: {"$in": [...]}}`, all
    keys must match; as key -> the values allowed. Any other operator is an error."""
    if filter is None:
        return {}
    if not isinstance(filter, Mapping):
        raise VectorStoreError("A filter is an object of metadata keys.")
    out: dict[str, tuple[Any, ...]] = {}
    for key, wanted in filter.items():
        if not isinstance(key, str) or not key or key.startswith("$"):
            raise VectorStoreError(f"Unsupported filter key {key!r}.")
        if isinstance(wanted, Mapping):
            if set(wanted) != {"$in"} or not isinstance(wanted["$in"], list | tuple):
                raise VectorStoreError(f"Unsupported filter on {key!r}: only equality "
                                       "and $in are supported.")
            values = tuple(wanted["$in"])
        else:
            values = (wanted,)
        for value in values:
            if not isinstance(value, str | int | float | bool):
                raise VectorStoreError(f"Filter values on {key!r} must be strings, "
                                       "numbers or booleans.")
        out[key] = values
    return out


def matches(metadata: Mapping[str, Any], wanted: Mapping[str, tuple[Any, ...]]) -> bool:
    return all(_same_in(metadata.get(key), values) for key, values in wanted.items())


def _same_in(value: Any, values: tuple[Any, ...]) -> bool:
    # True == 1 in Python; a filter on a flag must not match a count.
    return any(value == v and isinstance(value, bool) == isinstance(v, bool) for v in values)


def check_vector(vector: Any, dimension: int | None) -> np.ndarray:
    """The vector as float32, or an error: a flat, non-empty list of finite numbers, of
    the collection's dimension. Checked by numpy: a Python loop over every number cost
    more than the write itself."""
    import numpy as np  # on first use: start-up stays without numpy (about 15 MB)

    if isinstance(vector, np.ndarray):
        array = vector
    elif isinstance(vector, str | bytes) or not isinstance(vector, Sequence):
        raise VectorStoreError("A vector is a non-empty list of numbers.")
    else:
        try:
            array = np.array(vector)  # no dtype: a string stays a string, and is refused
        except (ValueError, TypeError):
            raise VectorStoreError("A vector is a flat list of numbers.") from None
    if array.ndim != 1 or not array.size or array.dtype.kind not in "iuf":
        raise VectorStoreError("A vector is a non-empty, flat list of numbers.")
    if array.size > MAX_DIMENSION:
        raise VectorStoreError(f"A vector has at most {MAX_DIMENSION} dimensions.")
    if dimension is not None and array.size != dimension:
        raise DimensionMismatch(f"This collection's vectors have {dimension} dimensions, "
                                f"not {array.size}.")
    with np.errstate(over="ignore"):
        array = array.astype(np.float32, copy=False)  # float32 given: no second copy
    if not np.isfinite(array).all():
        raise VectorStoreError("A vector holds finite numbers only (within float32).")
    return array


def clean(value: Any, depth: int = 0) -> Any:
    """Metadata as JSON keeps it, without NUL characters (PostgreSQL refuses them)."""
    if depth > 20:
        raise VectorStoreError("Metadata is nested too deeply.")
    if isinstance(value, str):
        return value.replace("\x00", "")
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise VectorStoreError("Metadata numbers must be finite.")
        return value
    if isinstance(value, Mapping):
        return {str(k).replace("\x00", ""): clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, depth + 1) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    raise VectorStoreError(f"Metadata values must be JSON; got {type(value).__name__}.")


def check_items(items: Sequence[Item], dimension: int | None) -> list[Item]:
    """Every item whole and of one dimension, or an error naming the first bad one;
    an empty id gets a new uuid4 (as Open WebUI's adapters do)."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise VectorStoreError("items must be a list.")
    checked, seen = [], set()
    for index, item in enumerate(items):
        if not isinstance(item, Item):
            raise VectorStoreError(f"items[{index}] is not an item.")
        item_id = item.id or str(uuid.uuid4())
        if not isinstance(item_id, str) or len(item_id) > 255:
            raise VectorStoreError(f"items[{index}].id must be a string of up to 255 "
                                   "characters.")
        if item_id in seen:
            raise VectorStoreError(f"items[{index}].id {item_id!r} appears twice.")
        seen.add(item_id)
        if not isinstance(item.text, str) or len(item.text) > MAX_TEXT:
            raise VectorStoreError(f"items[{index}].text must be a string of up to "
                                   f"{MAX_TEXT} characters.")
        try:
            vector = check_vector(item.vector, dimension)
        except VectorStoreError as error:
            raise VectorStoreError(f"items[{index}]: {error}") from None
        dimension = vector.size
        if not isinstance(item.metadata, Mapping):
            raise VectorStoreError(f"items[{index}].metadata must be an object.")
        checked.append(Item(item_id, item.text.replace("\x00", ""), vector,
                            clean(item.metadata)))
    return checked
