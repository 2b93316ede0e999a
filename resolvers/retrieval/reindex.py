"""Re-indexing: every file into `file-<id>` and every knowledge base into the collection
named by its id, in the configured store (VECTOR_DB) with the configured embedding model.
This is how an adopted Open WebUI database, whose vectors live in its own Chroma folder,
gets its knowledge searchable, and how collections follow a change of model or store.

A file's chunks are the stored ones (parley_file_chunk); a file of an adopted database
has none, and its stored text (`data.content`) is cut as processing cuts it. A file with
neither is not searchable: its collection is dropped. A knowledge base is written from
its files' collections just made, so nothing is embedded twice.

Resumable: each file or knowledge base written is recorded with the store and model
(parley_reindex_progress) and skipped by the next run; a run for another store or model,
or with `restart`, starts over; a finished run clears the record. Each collection is
replaced only after its vectors are made: a failing embedding server changes nothing.
Run by the operator (`python -m cli reindex`), not through an API: no caller is checked.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from data.repos.files import FileChunkRepo, FileRepo
from data.repos.reindex import ReindexRepo
from data.tables import FileRow
from data.vectors import Item
from resolvers.context import Context, Services
from resolvers.errors import DomainError
from resolvers.files.processing import chunk_rows
from resolvers.retrieval.chunks import embed_texts
from resolvers.retrieval.errors import store_errors


@dataclass(frozen=True)
class Step:
    """One file or knowledge base written (`index` of `total`, from 1)."""

    index: int
    total: int
    target: str  # "file:<id>" or "knowledge:<id>"
    chunks: int
    embedded: int  # texts sent to the embedding engine (0 for a knowledge base)


@dataclass
class Outcome:
    total: int = 0
    resumed: int = 0  # done by an earlier run, skipped
    written: int = 0
    chunks: int = 0
    embedded: int = 0
    finished: bool = False
    discarded: int = 0  # progress of a run for another store or model, dropped
    failed: tuple[str, str] | None = None  # the target that stopped the run, and why


def config_key(services: Services) -> str:
    """What the recorded progress is valid for: the store and the embedding model."""
    embedder = services.embedder
    return (f"{services.settings.vectors.vector_db}|{embedder.engine or 'local'}|"
            f"{embedder.model}")


async def reindex(services: Services, *, restart: bool = False, limit: int | None = None,
                  report: Callable[[Step], None] = lambda step: None) -> Outcome:
    """Write every file, then every knowledge base, into the store; with `limit`, stop
    after that many written (a later run resumes)."""
    config, ctx = config_key(services), Context(services)
    async with ctx.unit_of_work(write=True):
        repo = ReindexRepo(ctx.session)
        outcome = Outcome(discarded=0 if restart else await repo.others(config))
        if restart or outcome.discarded:
            await repo.clear()
        done = await repo.done(config)
        bases = await repo.knowledge_files()
        targets = [f"file:{i}" for i in await repo.file_ids()] + [f"knowledge:{k}"
                                                                  for k in bases]
    outcome.total, outcome.resumed = len(targets), len(done.intersection(targets))
    for index, target in enumerate(targets, 1):
        if target in done:
            continue
        if limit is not None and outcome.written >= limit:
            return outcome
        kind, _, ident = target.partition(":")
        try:
            if kind == "file":
                chunks, embedded = await _file(ctx, ident)
            else:
                chunks, embedded = await _knowledge(ctx, ident, bases[ident]), 0
        except DomainError as error:  # the embedding server down, a name the store refuses
            outcome.failed = (target, str(error))
            return outcome
        async with ctx.unit_of_work(write=True):
            await ReindexRepo(ctx.session).mark(target, config, chunks)
        outcome.written += 1
        outcome.chunks += chunks
        outcome.embedded += embedded
        report(Step(index, len(targets), target, chunks, embedded))
    async with ctx.unit_of_work(write=True):
        await ReindexRepo(ctx.session).clear()
    outcome.finished = True
    return outcome


async def _stored_pieces(ctx: Context, file_id: str) -> list[tuple[str, dict[str, Any]]]:
    async with ctx.unit_of_work():
        row = await FileRepo(ctx.session).get(file_id)
        if row is None:
            return []
        stored = [(c.text, dict(c.meta or {}))
                  for c in await FileChunkRepo(ctx.session).for_file(file_id)]
        data = dict(row.data) if isinstance(row.data, dict) else {}
        # What chunk_rows reads, kept past the unit of work (which expires the row).
        row = FileRow(id=row.id, filename=row.filename, user_id=row.user_id)
    if stored:
        return stored
    content = data.get("content")
    # A failed file may keep the text of an earlier run; only a completed one (or one of
    # Open WebUI's, which records no status) is indexed.
    if not isinstance(content, str) or not content.strip() \
            or data.get("status") not in (None, "completed"):
        return []
    return await asyncio.to_thread(chunk_rows, ctx.settings.files, row, content)


async def _file(ctx: Context, file_id: str) -> tuple[int, int]:
    pieces = await _stored_pieces(ctx, file_id)
    vectors = await embed_texts(ctx, [text for text, _ in pieces])
    embedder = ctx.services.embedder
    config = {"engine": embedder.engine, "model": embedder.model}
    items = [Item(str(uuid.uuid4()), text, vector, {**meta, "embedding_config": config})
             for (text, meta), vector in zip(pieces, vectors, strict=True)]
    await _replace(ctx, f"file-{file_id}", items)
    return len(items), len(pieces)


async def _knowledge(ctx: Context, knowledge_id: str, file_ids: Sequence[str]) -> int:
    store, items = ctx.services.vectors, []
    with store_errors():
        for file_id in file_ids:
            name = f"file-{file_id}"
            found = await store.get(name)
            if found is None or not found.ids or not found.ids[0]:
                continue
            vectors = await store.vectors(name, found.ids[0])
            items += [Item(str(uuid.uuid4()), text, vectors[i], meta) for i, text, meta
                      in zip(found.ids[0], found.documents[0], found.metadatas[0],
                             strict=True) if i in vectors]
    await _replace(ctx, knowledge_id, items)
    return len(items)


async def _replace(ctx: Context, collection: str, items: list[Item]) -> None:
    with store_errors():
        await ctx.services.vectors.delete_collection(collection)
        if items:
            await ctx.services.vectors.upsert(collection, items)
