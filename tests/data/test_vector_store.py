"""The embedded vector store on SQLite and PostgreSQL: exact cosine search with Open
WebUI's score convention, metadata filters, writes that are all or nothing, keyword
search through the database's full-text index, and matrices cached per process but
never stale after another instance writes."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import numpy as np
import pytest
from sqlalchemy import text

from data.db import create_engine, create_sessionmaker
from data.point_reads import create_point_reader
from data.settings import database_url as async_url
from data.vectors import DimensionMismatch, EmbeddedStore, Item, VectorStoreError
from data.vectors.matrix import as_bytes


async def open_store(url: str) -> EmbeddedStore:
    engine = create_engine(async_url(url))
    store = EmbeddedStore(create_sessionmaker(engine), create_sessionmaker(engine, write=True),
                          engine.dialect.name, create_point_reader(async_url(url)))
    store.engine = engine  # type: ignore[attr-defined]
    return store


async def close_store(store: EmbeddedStore) -> None:
    await store.reader.close()
    await store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
async def store(database_url) -> AsyncIterator[EmbeddedStore]:
    store = await open_store(database_url)
    yield store
    await close_store(store)


@pytest.fixture
async def other(database_url) -> AsyncIterator[EmbeddedStore]:
    """A second instance on the same database: its own engine and its own matrices."""
    store = await open_store(database_url)
    yield store
    await close_store(store)


ITEMS = [
    Item("a", "The quick brown fox jumps", [1.0, 0.0, 0.0], {"file_id": "f1", "page": 1}),
    Item("b", "Lazy dogs sleep all day", [0.0, 1.0, 0.0], {"file_id": "f2", "page": 2,
                                                          "draft": True}),
    Item("c", "A fox and a dog meet", [0.6, 0.8, 0.0], {"file_id": "f2", "page": 1}),
]


async def test_search_is_exact_cosine_best_first_with_open_webui_scores(store):
    await store.insert("kb-1", ITEMS)
    found = await store.search("kb-1", [[2.0, 0.0, 0.0], [0.0, 0.0, 1.0]], limit=2)
    assert found.ids[0] == ["a", "c"]
    assert found.distances[0] == pytest.approx([1.0, (1 + 0.6) / 2], abs=1e-6)
    assert found.documents[0][0] == "The quick brown fox jumps"
    assert found.metadatas[0][1] == {"file_id": "f2", "page": 1}
    assert found.distances[1] == pytest.approx([0.5, 0.5], abs=1e-6)  # orthogonal: cos 0
    assert set(found.to_dict()) == {"ids", "documents", "metadatas", "distances"}


async def test_metadata_filters_equality_in_and_types(store):
    await store.insert("kb-1", ITEMS)
    query = [[1.0, 0.0, 0.0]]
    assert (await store.search("kb-1", query, limit=5, filter={"file_id": "f2"})).ids \
        == [["c", "b"]]
    both = await store.search("kb-1", query, limit=5, filter={"page": {"$in": [2, 3]}})
    assert both.ids == [["b"]]
    assert (await store.search("kb-1", query, limit=5, filter={"draft": True})).ids == [["b"]]
    # JSON equality: a number is not its string, and true is not 1.
    assert (await store.search("kb-1", query, limit=5, filter={"page": "1"})).ids == [[]]
    assert (await store.search("kb-1", query, limit=5, filter={"draft": 1})).ids == [[]]
    got = await store.query("kb-1", {"file_id": "f2", "page": 1})
    assert got.ids == [["c"]]
    for bad in ({"page": {"$gt": 1}}, {"$or": []}, {"page": [1]}, {"page": {"$in": [[1]]}}):
        with pytest.raises(VectorStoreError):
            await store.search("kb-1", query, limit=5, filter=bad)


async def test_missing_collection_is_none_and_names_are_checked(store):
    assert await store.has_collection("nothing") is False
    assert await store.search("nothing", [[1.0]], limit=3) is None
    assert await store.query("nothing", {}) is None
    assert await store.keyword_search("nothing", "fox", limit=3) is None
    for name in ("", "a/b", "x" * 256, "knowledge bases", "ü"):
        with pytest.raises(VectorStoreError):
            await store.insert(name, ITEMS)


async def test_bad_items_are_refused_and_nothing_is_written(store):
    good = Item("x", "text", [1.0, 2.0, 3.0])
    for bad in ([good, Item("y", "t", [1.0, math.nan, 0.0])],
                [good, Item("y", "t", [])],
                [good, Item("y", "t", [1.0, 2.0])],
                [good, Item("x", "again", [1.0, 2.0, 3.0])],
                [good, Item("y", "t", ["1", 2, 3])],
                [good, Item("y", "t", [1.0, 2.0, 3.0], {"when": object()})]):
        with pytest.raises(VectorStoreError):
            await store.insert("kb-1", bad)
    assert await store.has_collection("kb-1") is False


async def test_a_failed_insert_leaves_nothing_behind(store):
    await store.insert("kb-1", ITEMS)
    # 2500 new items whose last one repeats a stored id: three batches, the last fails.
    many = [Item(f"n{i}", f"text {i}", [1.0, float(i), 0.0]) for i in range(2499)]
    with pytest.raises(VectorStoreError, match="nothing was added"):
        await store.insert("kb-1", [*many, Item("a", "dup", [1.0, 1.0, 1.0])])
    assert (await store.get("kb-1")).ids == [["a", "b", "c"]]
    assert (await store.keyword_search("kb-1", "text", limit=5)).ids == [[]]
    with pytest.raises(DimensionMismatch):
        await store.insert("kb-1", [Item("z", "t", [1.0, 0.0])])
    with pytest.raises(DimensionMismatch):
        await store.search("kb-1", [[1.0, 0.0]], limit=2)


async def test_upsert_replaces_and_delete_by_ids_filter_collection_reset(store):
    await store.insert("kb-1", ITEMS)
    await store.upsert("kb-1", [Item("a", "replaced", [0.0, 0.0, 1.0], {"file_id": "f9"})])
    found = await store.search("kb-1", [[0.0, 0.0, 1.0]], limit=1)
    assert (found.ids, found.documents) == ([["a"]], [["replaced"]])
    await store.delete("kb-1", filter={"file_id": "f2"})
    assert (await store.get("kb-1")).ids == [["a"]]
    await store.delete("kb-1", ids=["a", "unknown"])
    assert (await store.get("kb-1")).ids == [[]]
    with pytest.raises(VectorStoreError):
        await store.delete("kb-1")
    await store.insert("kb-2", ITEMS)
    await store.delete_collection("kb-2")
    assert await store.has_collection("kb-2") is False
    await store.insert("kb-3", ITEMS)
    await store.reset()
    assert not await store.has_collection("kb-1") and not await store.has_collection("kb-3")


async def test_text_and_metadata_with_nul_and_unicode_are_kept(store):
    await store.insert("kb-1", [Item("u", "Grüße\x00 an die Füchse", [1.0, 0.0],
                                     {"name": "a\x00b.txt", "nested": {"k": [1, "ü"]}})])
    got = await store.get("kb-1")
    assert got.documents == [["Grüße an die Füchse"]]
    assert got.metadatas == [[{"name": "ab.txt", "nested": {"k": [1, "ü"]}}]]
    assert (await store.keyword_search("kb-1", "füchse", limit=3)).ids == [["u"]]


async def test_keyword_search_ranks_by_the_databases_full_text_engine(store):
    await store.insert("kb-1", ITEMS)
    await store.insert("kb-2", [Item("z", "fox fox fox", [1.0, 0.0, 0.0])])
    found = await store.keyword_search("kb-1", "fox", limit=5)
    assert set(found.ids[0]) == {"a", "c"}  # never kb-2's chunk
    assert all(score > 0 for score in found.distances[0])
    assert (await store.keyword_search("kb-1", "sleep", limit=5)).ids == [["b"]]
    assert (await store.keyword_search("kb-1", "fox dogs", limit=1)).ids[0][0] in "abc"
    filtered = await store.keyword_search("kb-1", "fox", limit=5, filter={"file_id": "f2"})
    assert filtered.ids == [["c"]]
    # Query syntax of either engine is only ever words: these are searched, not parsed.
    for tricky in ('fox" OR "', "fox*", "NEAR(fox dog)", "fox & !dog", "'; DROP TABLE x; --",
                   "(", ""):
        result = await store.keyword_search("kb-1", tricky, limit=5)
        assert set(result.ids[0]) <= {"a", "b", "c"}
    assert (await store.keyword_search("kb-1", "elephant", limit=5)).ids == [[]]


async def test_matrix_is_cached_and_reloaded_after_any_instances_write(store, other):
    await store.insert("kb-1", ITEMS)
    await store.search("kb-1", [[1.0, 0.0, 0.0]], limit=1)
    first = store.cache._matrices["kb-1"]
    await store.search("kb-1", [[0.0, 1.0, 0.0]], limit=1)
    assert store.cache._matrices["kb-1"] is first  # no write, no reload
    assert (await other.search("kb-1", [[0.0, 0.0, 1.0]], limit=1)).ids == [["a"]]
    await other.insert("kb-1", [Item("d", "new", [0.0, 0.0, 1.0])])
    assert (await store.search("kb-1", [[0.0, 0.0, 1.0]], limit=1)).ids == [["d"]]
    await other.delete("kb-1", ids=["d"])
    assert (await store.search("kb-1", [[0.0, 0.0, 1.0]], limit=1)).ids == [["a"]]
    await other.delete_collection("kb-1")
    assert await store.search("kb-1", [[0.0, 0.0, 1.0]], limit=1) is None
    assert "kb-1" not in store.cache._matrices


async def test_limits_and_vectors_by_id(store):
    await store.insert("kb-1", ITEMS)
    for limit in (0, -1, 10_001, True, 2.5):
        with pytest.raises(VectorStoreError):
            await store.search("kb-1", [[1.0, 0.0, 0.0]], limit=limit)
    with pytest.raises(VectorStoreError):
        await store.search("kb-1", [], limit=3)
    assert (await store.search("kb-1", [[1.0, 0.0, 0.0]], limit=10)).ids == [["a", "c", "b"]]
    vectors = await store.vectors("kb-1", ["c", "missing"])
    assert vectors == {"c": pytest.approx([0.6, 0.8, 0.0], abs=1e-6)}


async def test_refresh_reads_only_new_rows_but_never_misses_a_late_commit(store, other):
    await store.insert("kb-1", ITEMS)
    await store.search("kb-1", [[1.0, 0.0, 0.0]], limit=1)
    await other.delete("kb-1", ids=["b"])
    await other.insert("kb-1", [Item("d", "new", [0.0, 0.0, 1.0])])
    found = await store.search("kb-1", [[0.0, 1.0, 0.0]], limit=5)
    assert found.ids == [["c", "a", "d"]]
    assert store.cache._matrices["kb-1"].pks.tolist() == sorted(
        store.cache._matrices["kb-1"].pks.tolist())
    # A row below the highest cached pk that the cache never saw (a transaction that
    # took its pk early and committed late) forces a full load.
    pks = store.cache._matrices["kb-1"].pks.tolist()
    missing = next(pk for pk in range(1, pks[-1]) if pk not in pks)
    async with other._write() as session:
        await session.execute(text(
            "INSERT INTO parley_vector_chunk (pk, collection, id, text, vector, metadata) "
            "VALUES (:pk, 'kb-1', 'late', 'late', :v, '{}')"),
            {"pk": missing, "v": as_bytes(np.array([0.0, 1.0, 0.0], dtype=np.float32))})
        await session.execute(text("UPDATE parley_vector_collection SET version = version "
                                   "+ 1 WHERE name = 'kb-1'"))
        await session.commit()
    assert (await store.search("kb-1", [[0.0, 1.0, 0.0]], limit=1)).ids == [["late"]]


async def test_appends_fill_spare_room_without_touching_earlier_snapshots(store, other):
    await store.insert("kb-1", ITEMS)
    await store.search("kb-1", [[1.0, 0.0, 0.0]], limit=1)
    await other.insert("kb-1", [Item("d", "d", [0.0, 0.0, 1.0])])
    assert (await store.search("kb-1", [[0.0, 0.0, 1.0]], limit=1)).ids == [["d"]]
    first = store.cache._matrices["kb-1"]
    await other.insert("kb-1", [Item("e", "e", [0.0, -1.0, 0.0])])
    assert (await store.search("kb-1", [[0.0, -1.0, 0.0]], limit=1)).ids == [["e"]]
    second = store.cache._matrices["kb-1"]
    assert second.rows.base is first.rows.base  # written into the room, not copied
    assert len(first.pks) == 4 and len(second.pks) == 5
    assert (await store.search("kb-1", [[0.0, 1.0, 0.0]], limit=5)).ids == [
        ["b", "c", "a", "d", "e"]]


async def test_keyword_search_ranks_a_rare_word_above_a_common_one(store):
    """BM25 on both databases: a word in nearly every chunk says little, so the chunk
    holding the rare word comes first, even against one that repeats the common word
    (PostgreSQL's plain ts_rank put that one first)."""
    common = [Item(f"c{i}", f"The quarterly report number {i} covers the report period",
                   [1.0, float(i), 0.0]) for i in range(8)]
    await store.insert("kb-1", [
        *common, Item("many", "report report report report notes", [0.0, 1.0, 0.0]),
        Item("rare", "A zebra was seen near the river bank", [0.0, 0.0, 1.0])])
    found = await store.keyword_search("kb-1", "report zebra", limit=3)
    assert found.ids[0][0] == "rare"
    assert found.distances[0][0] > found.distances[0][1]
    only_common = await store.keyword_search("kb-1", "report", limit=10)
    assert len(only_common.ids[0]) == 9 and only_common.ids[0][0] == "many"
    filtered = await store.keyword_search("kb-1", "zebra", limit=3, filter={"missing": 1})
    assert filtered.ids == [[]]
