"""The Weaviate adapter: Open WebUI's collection naming and property mapping always;
against a server only where WEAVIATE_HTTP_HOST names one (skipped with that reason
otherwise: the one accepted skip)."""

from __future__ import annotations

import os
import uuid

import pytest

from data.vectors import Item, VectorStoreError
from data.vectors.fusion import weighted_rrf
from data.vectors.settings import load_vector_settings
from data.vectors.weaviate import properties, weaviate_name

HOST = os.environ.get("WEAVIATE_HTTP_HOST", "")
needs_server = pytest.mark.skipif(not HOST, reason="WEAVIATE_HTTP_HOST is not set: no "
                                                   "Weaviate server to test against")


def test_collection_names_follow_open_webui():
    assert weaviate_name("file-ab12") == "File_ab12"
    assert weaviate_name("3f9a-77") == "C3f9a_77"
    assert weaviate_name("user-memory-u1") == "User_memory_u1"
    assert weaviate_name("_x_") == "X"
    for bad in ("---", "__", "!!"):
        with pytest.raises(VectorStoreError):
            weaviate_name(bad)


def test_properties_flatten_metadata_as_open_webui_does():
    item = Item("i", "body", [1.0], {"text": "shadow", "none": None, "tags": ["a"],
                                    "meta": {"k": 1}, "name": "a\x00b", "page": 3})
    assert properties(item) == {"text": "body", "tags": '["a"]', "meta": '{"k": 1}',
                                "name": "ab", "page": 3}


def test_weighted_reciprocal_rank_fusion():
    fused = weighted_rrf([["a", "b", "c"], ["c", "a"]], [0.5, 0.5])
    assert [key for key, _ in fused] == ["a", "c", "b"]
    assert fused[0][1] == pytest.approx(0.5 / 61 + 0.5 / 62)
    only_vectors = weighted_rrf([["a", "b"], ["b", "a"]], [0.0, 1.0])
    assert [key for key, _ in only_vectors] == ["b", "a"]


@pytest.fixture
async def store():
    from data.vectors.weaviate import WeaviateStore
    settings = load_vector_settings({k: v for k, v in os.environ.items()
                                     if k.startswith("WEAVIATE_")} | {"VECTOR_DB": "weaviate"})
    store = WeaviateStore(settings.weaviate)
    await store.connect()
    name = f"parley-test-{uuid.uuid4().hex[:8]}"
    yield store, name
    await store.delete_collection(name)
    await store.close()


@needs_server
async def test_weaviate_insert_search_query_delete(store):
    store, name = store
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    await store.insert(name, [Item(a, "quick fox", [1.0, 0.0], {"file_id": "f1"}),
                              Item(b, "lazy dog", [0.0, 1.0], {"file_id": "f2"})])
    assert await store.has_collection(name)
    found = await store.search(name, [[1.0, 0.0]], limit=2)
    assert found.ids[0][0] == a and found.distances[0][0] == pytest.approx(1.0, abs=1e-4)
    assert (await store.search(name, [[1.0, 0.0]], limit=2, filter={"file_id": "f2"})
            ).ids == [[b]]
    assert (await store.keyword_search(name, "dog", limit=2)).ids == [[b]]
    assert (await store.query(name, {"file_id": "f1"})).ids == [[a]]
    await store.delete(name, filter={"file_id": "f1"})
    assert (await store.get(name)).ids == [[b]]
    with pytest.raises(VectorStoreError):
        await store.insert(name, [Item("not-a-uuid", "t", [1.0, 0.0])])
